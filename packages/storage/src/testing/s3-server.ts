/**
 * An S3-protocol server for tests and benchmarks, started as a child process on a free loopback port:
 * s3rver 3.7.1 (npm, pure JavaScript, so `npm install` alone provides it on a fresh machine and in CI).
 * Objects live in a temporary folder removed on stop.
 *
 * What s3rver does NOT emulate (so these tests cannot catch it; S3 and MinIO do it): signature checks
 * (any secret is accepted and a tampered presigned signature still works; only presigned expiry is
 * checked), Content-MD5 and x-amz-checksum-* verification (bodies are never refused and no checksum is
 * reported, which is why S3Storage's read-back verification is what runs against it), atomic overwrite
 * (it rewrites an object's file in place, so a reader racing an overwrite can see a short body),
 * ListMultipartUploads, lifecycle rules, versioning, and S3's error for an incomplete upload.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface TestS3Server {
  /** e.g. http://127.0.0.1:41234 */
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** s3rver's folder: object `k` of bucket `b` is the file `<directory>/<b>/<k>._S3rver_object` (tests corrupt it). */
  directory: string;
  /** The variables a worker or API process needs to use this server (STORAGE=s3 ...). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** s3rver's built-in account. */
const ACCESS_KEY = 'S3RVER';
const SECRET_KEY = 'S3RVER';
const MAIN = path.join(path.dirname(fileURLToPath(import.meta.url)), 's3rver-main.mjs');

/** Starts s3rver as a child process on a free loopback port, with one bucket. */
export async function startTestS3Server(opts: { bucket?: string } = {}): Promise<TestS3Server> {
  const bucket = opts.bucket ?? 'slicewise-test';
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'slicewise-s3-'));
  const child = spawn(process.execPath, [MAIN, directory, bucket], { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: process.env.PATH } });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const port = await new Promise<number>((resolve, reject) => {
    const fail = (e: Error) => {
      child.kill('SIGKILL');
      fs.rmSync(directory, { recursive: true, force: true });
      reject(e);
    };
    let out = '';
    const timer = setTimeout(() => fail(new Error(`s3rver did not start within 20 s: ${stderr}`)), 20_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`s3rver exited with ${code} before listening: ${stderr}`));
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const region = 'us-east-1';
  return {
    endpoint,
    bucket,
    region,
    accessKeyId: ACCESS_KEY,
    secretAccessKey: SECRET_KEY,
    directory,
    env: {
      STORAGE: 's3',
      S3_ENDPOINT: endpoint,
      S3_BUCKET: bucket,
      S3_REGION: region,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: SECRET_KEY,
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.stdin!.end();
        const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(kill);
      }
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}
