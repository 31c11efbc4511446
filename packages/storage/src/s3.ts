/**
 * S3-compatible Storage (AWS S3, MinIO, Ceph RGW, ...), on the AWS SDK v3.
 *
 * Atomic write: S3 itself makes an object visible only when its PutObject or CompleteMultipartUpload
 * succeeds, and an overwrite replaces the whole object, so readers see the old or the new bytes. A source
 * stream that fails mid-way never completes the upload (lib-storage aborts the multipart upload), so the
 * old object stays. After the upload the object is VERIFIED before `putAtomic` returns (and so before the
 * caller records it): its size must equal the bytes sent, and its sha256 must equal the one computed
 * while streaming, compared with the checksum the server reports (full-object, or composite for multipart
 * uploads, computed here over the same part boundaries) or, where the server reports none, by reading the
 * object back. A mismatch deletes the object and throws StorageError INTEGRITY: a corrupt object is never
 * recorded. Uploads also carry `x-amz-checksum-sha256`, so servers that check it (S3, MinIO) refuse a body
 * damaged in transit before it becomes visible.
 *
 * Credentials come from the SDK's standard chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_PROFILE,
 * web identity, container and instance roles); tests may pass them explicitly.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  S3Client,
  S3ServiceException,
  type HeadObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { chunksOf, StorageError, validateKey, type Body, type ObjectStat, type PresignOptions, type PutResult, type Storage } from './storage.ts';

/** S3's smallest multipart part (except the last). */
export const MIN_PART_BYTES = 5 * 1024 * 1024;

export interface S3StorageOptions {
  bucket: string;
  /** e.g. http://minio:9000; unset = AWS's regional endpoint. */
  endpoint?: string;
  region: string;
  /**
   * Endpoint that clients outside the cluster reach the bucket at (e.g. https://s3.example.org), used only
   * to sign redirect URLs; default: `endpoint`. Inside compose, MinIO is http://minio:9000 for the
   * services but http://localhost:9000 for a browser or `slicewise pull` on the host.
   */
  publicEndpoint?: string;
  /** Path-style URLs (http://host/bucket/key): MinIO and most self-hosted servers need it. */
  forcePathStyle?: boolean;
  /** Key prefix inside the bucket ("" or segments like "prod/slicewise"), so deployments can share a bucket. */
  prefix?: string;
  /** Objects up to this size go up in one PutObject; larger ones in parts of this size. Default 8 MiB. */
  partBytes?: number;
  /** Parts uploaded at once per object (lib-storage queueSize). Default 4. */
  partConcurrency?: number;
  /** Explicit credentials (tests); default: the SDK's standard credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Concurrent connections to the endpoint (keep-alive pool). Default 64. */
  maxSockets?: number;
}

/** How each verified write was checked (for logs, tests and benchmarks). */
export interface VerifyCounts {
  /** The server's sha256 checksum (full-object or composite) matched. */
  checksum: number;
  /** The server reported no checksum: the object was read back and hashed. */
  readback: number;
}

const isNotFound = (e: unknown) =>
  e instanceof S3ServiceException && (e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404);

function describeError(e: unknown): string {
  if (e instanceof S3ServiceException) return `${e.name} (HTTP ${e.$metadata?.httpStatusCode ?? '?'}): ${e.message}`;
  const err = e as NodeJS.ErrnoException;
  return err?.code ? `${err.code}: ${err.message}` : String(err?.message ?? e);
}

/**
 * Hashes a body while it streams: sha256 of the whole, and sha256 of every `partBytes` slice (the part
 * boundaries lib-storage uses), for comparison with a composite multipart checksum.
 */
class StreamingDigest {
  readonly whole = createHash('sha256');
  readonly partDigests: Buffer[] = [];
  private part = createHash('sha256');
  private inPart = 0;
  bytes = 0;
  constructor(private readonly partBytes: number) {}

  update(chunk: Uint8Array): void {
    this.whole.update(chunk);
    this.bytes += chunk.length;
    let off = 0;
    while (off < chunk.length) {
      const take = Math.min(chunk.length - off, this.partBytes - this.inPart);
      this.part.update(chunk.subarray(off, off + take));
      this.inPart += take;
      off += take;
      if (this.inPart === this.partBytes) {
        this.partDigests.push(this.part.digest());
        this.part = createHash('sha256');
        this.inPart = 0;
      }
    }
  }

  /** Call once at the end: closes the last partial part. */
  finish(): { sha256Hex: string; sha256B64: string; compositeB64: string; parts: number } {
    if (this.inPart > 0 || this.partDigests.length === 0) this.partDigests.push(this.part.digest());
    const whole = this.whole.digest();
    const composite = createHash('sha256').update(Buffer.concat(this.partDigests)).digest('base64');
    return { sha256Hex: whole.toString('hex'), sha256B64: whole.toString('base64'), compositeB64: `${composite}-${this.partDigests.length}`, parts: this.partDigests.length };
  }
}

/** Fails the stream if the server's body ends before Content-Length (a dropped connection must not look like a short file). */
function lengthChecked(body: Readable, expected: number | undefined, what: string): Readable {
  if (expected === undefined) return body;
  let n = 0;
  const check = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      cb(null, chunk);
    },
    flush(cb) {
      cb(n === expected ? null : new StorageError('IO', `${what}: the server sent ${n} of ${expected} bytes`));
    },
  });
  pipeline(body, check).catch((e) => check.destroy(e instanceof StorageError ? e : new StorageError('IO', `${what}: ${describeError(e)}`)));
  return check;
}

export class S3Storage implements Storage {
  readonly kind = 's3';
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;
  readonly partBytes: number;
  readonly partConcurrency: number;
  readonly verified: VerifyCounts = { checksum: 0, readback: 0 };
  private readonly endpoint: string | undefined;
  /** Signs presigned URLs (a client on the public endpoint when one is set). */
  private readonly presigner: S3Client;

  constructor(opts: S3StorageOptions) {
    this.bucket = opts.bucket;
    this.prefix = opts.prefix ? `${validateKey(opts.prefix)}/` : '';
    this.partBytes = Math.max(MIN_PART_BYTES, opts.partBytes ?? 8 * 1024 * 1024);
    this.partConcurrency = Math.max(1, opts.partConcurrency ?? 4);
    this.endpoint = opts.endpoint;
    const maxSockets = opts.maxSockets ?? 64;
    this.client = new S3Client({
      region: opts.region,
      endpoint: opts.endpoint,
      forcePathStyle: opts.forcePathStyle ?? false,
      credentials: opts.credentials,
      // keep-alive pool: the export opens several objects ahead of the one streaming
      requestHandler: {
        httpAgent: new http.Agent({ keepAlive: true, maxSockets }),
        httpsAgent: new https.Agent({ keepAlive: true, maxSockets }),
      },
    });
    // signing needs no connection: same credentials and region, the host clients will use
    this.presigner = opts.publicEndpoint
      ? new S3Client({ region: opts.region, endpoint: opts.publicEndpoint, forcePathStyle: opts.forcePathStyle ?? false, credentials: opts.credentials })
      : this.client;
  }

  private objectKey(key: string): string {
    return this.prefix + validateKey(key);
  }

  describe(key: string): string {
    const where = this.endpoint ? ` at ${this.endpoint}` : '';
    return `s3://${this.bucket}/${this.objectKey(key)}${where}`;
  }

  /** At start: the bucket exists and these credentials may use it. Errors name the variables to fix. */
  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (e) {
      const status = e instanceof S3ServiceException ? e.$metadata?.httpStatusCode : undefined;
      const hint =
        status === 404
          ? `bucket ${JSON.stringify(this.bucket)} does not exist (S3_BUCKET)`
          : status === 403 || status === 401
            ? `access to bucket ${JSON.stringify(this.bucket)} denied: check the credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_PROFILE) and S3_REGION`
            : `cannot reach ${this.endpoint ?? 'AWS S3'} (S3_ENDPOINT, S3_REGION, S3_FORCE_PATH_STYLE)`;
      throw new StorageError('UNAVAILABLE', `S3 storage check failed: ${hint}: ${describeError(e)}`);
    }
  }

  async putAtomic(key: string, body: Body, opts: { contentType?: string } = {}): Promise<PutResult> {
    const Key = this.objectKey(key);
    const digest = new StreamingDigest(this.partBytes);
    let sourceError: Error | null = null;
    // hash exactly the bytes handed to the SDK, in order, as lib-storage pulls them
    const source = Readable.from(
      (async function* () {
        try {
          for await (const chunk of chunksOf(body)) {
            digest.update(chunk);
            yield chunk;
          }
        } catch (e) {
          sourceError = e as Error;
          throw e;
        }
      })(),
    );
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key, Body: source, ContentType: opts.contentType ?? 'application/octet-stream', ChecksumAlgorithm: 'SHA256' },
      partSize: this.partBytes,
      queueSize: this.partConcurrency,
      leavePartsOnError: false, // abort the multipart upload: no parts left behind, old object kept
    });
    try {
      await upload.done();
    } catch (e) {
      source.destroy();
      // the source's own failure is the cause; an abort refused by the server comes second
      const failed = sourceError as Error | null;
      const cause = failed ? `${failed.message}${failed !== e ? ` (then: ${describeError(e)})` : ''}` : describeError(e);
      throw new StorageError('IO', `writing ${key} to ${this.describe(key)}: ${cause}`);
    }
    const d = digest.finish();
    await this.verify(key, Key, digest.bytes, d);
    return { key, sha256: d.sha256Hex, bytes: digest.bytes };
  }

  /** Size and sha256 of the stored object against what was sent; on mismatch the object is deleted. */
  private async verify(key: string, Key: string, bytes: number, d: ReturnType<StreamingDigest['finish']>): Promise<void> {
    let head: HeadObjectCommandOutput;
    try {
      head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key, ChecksumMode: 'ENABLED' }));
    } catch (e) {
      throw new StorageError('IO', `verifying ${key}: ${describeError(e)}`);
    }
    let problem: string | null = null;
    if (head.ContentLength !== bytes) problem = `stored size ${head.ContentLength} differs from the ${bytes} bytes sent`;
    else if (head.ChecksumSHA256) {
      const reported = head.ChecksumSHA256;
      const isComposite = head.ChecksumType === 'COMPOSITE' || /-\d+$/.test(reported);
      const expected = isComposite ? d.compositeB64 : d.sha256B64;
      if (reported !== expected) problem = `server checksum ${reported} differs from ${expected} computed while sending`;
      else this.verified.checksum++;
    } else {
      const got = createHash('sha256');
      let n = 0;
      try {
        for await (const c of await this.get(key)) {
          got.update(c as Buffer);
          n += (c as Buffer).length;
        }
      } catch (e) {
        throw new StorageError('IO', `verifying ${key} by reading it back: ${(e as Error).message}`);
      }
      const hex = got.digest('hex');
      if (n !== bytes || hex !== d.sha256Hex) problem = `read back ${n} bytes with sha256 ${hex}, sent ${bytes} bytes with sha256 ${d.sha256Hex}`;
      else this.verified.readback++;
    }
    if (problem) {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key })).catch(() => {});
      throw new StorageError('INTEGRITY', `${key}: ${problem}; the object was deleted and nothing is recorded`);
    }
  }

  async get(key: string): Promise<Readable> {
    const Key = this.objectKey(key);
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      if (!r.Body) throw new StorageError('IO', `reading ${key}: the server sent no body`);
      return lengthChecked(r.Body as Readable, r.ContentLength, `reading ${key}`);
    } catch (e) {
      if (e instanceof StorageError) throw e;
      if (isNotFound(e)) throw new StorageError('NOT_FOUND', `no object under key ${JSON.stringify(key)}`);
      throw new StorageError('IO', `reading ${key} from ${this.describe(key)}: ${describeError(e)}`);
    }
  }

  async stat(key: string): Promise<ObjectStat | null> {
    const Key = this.objectKey(key);
    try {
      const h = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      return { key, bytes: h.ContentLength ?? 0, modifiedAt: h.LastModified ?? new Date(0) };
    } catch (e) {
      if (isNotFound(e)) return null;
      throw new StorageError('IO', `stat ${key}: ${describeError(e)}`);
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== null;
  }

  /** S3's DeleteObject succeeds whether or not the key existed, so existence is read first. */
  async delete(key: string): Promise<boolean> {
    if (!(await this.exists(key))) return false;
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return true;
    } catch (e) {
      throw new StorageError('IO', `deleting ${key}: ${describeError(e)}`);
    }
  }

  /**
   * A short-lived URL that lets a client GET the object straight from the bucket (no API in the data
   * path). `filename` sets Content-Disposition on the response.
   */
  async presignGet(key: string, opts: PresignOptions): Promise<string> {
    const cmd = new GetObjectCommand({
      Bucket: this.bucket,
      Key: this.objectKey(key),
      ResponseContentDisposition: opts.filename ? `attachment; filename="${opts.filename.replace(/["\\]/g, '_')}"` : undefined,
      ResponseContentType: opts.contentType,
    });
    return getSignedUrl(this.presigner, cmd, { expiresIn: opts.expiresSeconds });
  }

  /** Close the connection pool (tests, shutdown). */
  close(): void {
    this.client.destroy();
    if (this.presigner !== this.client) this.presigner.destroy();
  }
}
