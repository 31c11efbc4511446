import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { MANIFEST_SCHEMA_V1, buildDocuments, buildManifest, documentFiles, manifestBytes, manifestHash, readAllTest, type Manifest, type ManifestV1 } from './test-support.ts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from './main.ts';

const TOKEN = 'sw_test_token';

interface ServerState {
  manifest: Manifest;
  files: Map<string, Buffer>;
  tamper: Set<string>;
  truncate: Set<string>;
  /** truncated on the first request only (a transient network failure) */
  truncateOnce: Set<string>;
  /** send half, then hang until released (a stuck download to interrupt) */
  stall: Map<string, () => void>;
  serveDocs: boolean;
  /** Serve the manifest with its keys in another order (as a jsonb column would) */
  reorderManifest: boolean;
  manifestOverride: Buffer | null;
  /** Hand out signed file links with the manifest (as the API does) */
  signLinks: boolean;
  /** Answer file requests that accept it with 302 to this server under another origin (localhost), as S3 storage does */
  redirectFiles: boolean;
  /** Answer the next requests whose path ends with the key with this status (and headers) */
  respond: Map<string, { status: number; headers?: Record<string, string>; times: number }>;
  requests: string[];
  /** Request headers, in the order of `requests` */
  headers: http.IncomingHttpHeaders[];
}

let state: ServerState;
let server: http.Server;
let api: string;
let tmp: string;
let manifest: Manifest;
let files: Map<string, Buffer>;
const SIGNATURE = 'sig-ok';

function reverseKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reverseKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverseKeys(x)]));
  return v;
}

function sendFile(req: http.IncomingMessage, res: http.ServerResponse, rel: string, data: Buffer): void {
  const fileSha = sha(data);
  if (state.tamper.has(rel)) {
    const bad = Buffer.from(data);
    bad[bad.length >> 1] = bad[bad.length >> 1]! ^ 0x5a;
    return void res.writeHead(200, { 'content-length': String(bad.length) }).end(bad);
  }
  // Range resume as the API serves it: `bytes=N-` honoured when If-Range (if sent) names this content
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const ifRange = req.headers['if-range'];
  const start = range && (ifRange === undefined || ifRange === `"${fileSha}"`) ? Number(range[1]) : 0;
  const body = data.subarray(start);
  const head = start ? { 'content-length': String(body.length), 'content-range': `bytes ${start}-${data.length - 1}/${data.length}` } : { 'content-length': String(data.length) };
  const stall = state.stall.get(rel);
  if (state.truncate.has(rel) || state.truncateOnce.delete(rel) || stall) {
    state.stall.delete(rel);
    // announce the full length, send half, then drop the connection (or hang first)
    res.writeHead(start ? 206 : 200, head);
    res.write(body.subarray(0, body.length >> 1), () => (stall ? new Promise<void>((r) => state.stall.set(`released:${rel}`, r)).then(() => res.destroy()) : res.destroy()));
    return;
  }
  res.writeHead(start ? 206 : 200, head).end(body);
}

function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = decodeURI(req.url ?? '');
  state.requests.push(url);
  state.headers.push(req.headers);
  const json = (status: number, body: unknown, headers: Record<string, string> = {}): void => void res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  const path0 = url.split('?')[0]!;
  for (const [suffix, r] of state.respond) {
    if (path0.endsWith(suffix) && r.times > 0) {
      r.times--;
      return json(r.status, { error: `injected ${r.status}` }, r.headers);
    }
  }
  const hash = manifestHash(state.manifest);
  const signed = /^\/datasets\/signed\/v-1\/files\/(.+)\?expires=(\d+)&signature=(.+)$/.exec(url);
  if (signed) {
    if (signed[3] !== SIGNATURE || Number(signed[2]) * 1000 < Date.now()) return json(401, { error: 'This download link is invalid or has expired; ask for a new one' });
    const data = state.files.get(signed[1]!);
    return data ? sendFile(req, res, signed[1]!, data) : json(404, { error: 'not a file of this version' });
  }
  const fileRel = /\/files\/((images|masks)\/.+?)(\?|$)/.exec(url)?.[1];
  if (state.redirectFiles && fileRel && req.headers['x-slicewise-accept-redirect'] === 'presigned' && req.headers.host?.startsWith('127.0.0.1')) {
    // a "presigned URL" on another origin: no token needed there
    const far = Math.floor(Date.now() / 1000) + 600;
    return void res.writeHead(302, { location: `http://localhost:${(server.address() as AddressInfo).port}/datasets/signed/v-1/files/${fileRel}?expires=${far}&signature=${SIGNATURE}` }).end();
  }
  if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(401, { error: 'invalid or expired token', requestId: 'r1' });
  const m = /^\/datasets\/brain\/glioma@([^/]+)\/(manifest\.json|files\/(.+))$/.exec(url);
  if (!m || (m[1] !== 'v1' && m[1] !== hash)) return json(404, { error: `dataset version ${url} not found` });
  if (m[2] === 'manifest.json') {
    const body = state.manifestOverride ?? (state.reorderManifest ? Buffer.from(JSON.stringify(reverseKeys(state.manifest))) : manifestBytes(state.manifest));
    const expires = Math.floor(Date.now() / 1000) + (state.signLinks ? 3600 : 0);
    const signedHeaders = state.signLinks ? { 'x-signed-files-url': `/datasets/signed/v-1/files/{path}?expires=${expires}&signature=${SIGNATURE}`, 'x-signed-files-expires': String(expires) } : {};
    res.writeHead(200, { 'content-type': 'application/json', 'x-manifest-sha256': hash, 'x-dataset-version-id': 'v-1', 'x-project-id': 'p-1', ...signedHeaders }).end(body);
    return;
  }
  const rel = m[3]!;
  const data = state.files.get(rel);
  if (!data) {
    if (state.serveDocs) {
      const doc = documentFiles(state.manifest, buildDocuments(state.manifest, { datasetName: 'glioma', tag: 'server-side' })).find((d) => d.path === rel);
      if (doc) return void res.writeHead(200).end(doc.bytes);
    }
    return json(404, { error: `${rel} is not a file of this dataset version` });
  }
  sendFile(req, res, rel, data);
}

class Capture extends Writable {
  text = '';
  override _write(c: Buffer, _e: BufferEncoding, cb: () => void): void {
    this.text += c.toString();
    cb();
  }
}

async function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; err: string; out: string }> {
  const err = new Capture();
  const out = new Capture();
  const code = await main(args, { env: { SLICEWISE_API_URL: api, ...env }, stdout: out, stderr: err });
  return { code, err: err.text, out: out.text };
}

const fileRequests = () => state.requests.filter((r) => /\/files\/(images|masks)\//.test(r));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  const { MemoryStorage, writeFakeVersion } = await import('@slicewise/datasets/testing');
  const storage = new MemoryStorage();
  const input = await writeFakeVersion(storage, { volumes: 10, cohorts: 2, seed: 4, shapeDhw: [8, 8, 8] });
  manifest = buildManifest(input);
  files = new Map(await Promise.all(manifest.files.map(async (f) => [f.path, await readAllTest(storage, f.storageKey)] as const)));
  server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'slicewise-cli-'));
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await fs.rm(tmp, { recursive: true, force: true });
});
beforeEach(() => {
  state = {
    manifest,
    files,
    tamper: new Set(),
    truncate: new Set(),
    truncateOnce: new Set(),
    stall: new Map(),
    serveDocs: true,
    reorderManifest: false,
    manifestOverride: null,
    signLinks: false,
    redirectFiles: false,
    respond: new Map(),
    requests: [],
    headers: [],
  };
});

async function expectFolderMatches(out: string): Promise<void> {
  for (const f of manifest.files) expect(sha(await fs.readFile(path.join(out, f.path))), f.path).toBe(f.sha256);
  expect(sha(await fs.readFile(path.join(out, 'manifest.json')))).toBe(manifestHash(manifest));
  const names = [...(await fs.readdir(path.join(out, 'images'))), ...(await fs.readdir(path.join(out, 'masks')))];
  expect(names.filter((n) => n.startsWith('.'))).toEqual([]); // no temp files left
}

describe('slicewise pull', () => {
  it('fresh pull downloads and verifies every file, writes manifest and documents, reports progress', async () => {
    const out = path.join(tmp, 'fresh');
    const r = await run(['pull', 'brain/glioma@v1', '--out', out, '--token', TOKEN]);
    expect(r.err).toContain('20/20 files');
    expect(r.code).toBe(0);
    await expectFolderMatches(out);
    expect(fileRequests()).toHaveLength(20);
    const datalist = JSON.parse(await fs.readFile(path.join(out, 'datalist.json'), 'utf8')) as { training: { image: string; label: string }[] };
    expect(datalist.training).toHaveLength(10);
    for (const e of datalist.training) await fs.access(path.join(out, e.image));
    const desc = JSON.parse(await fs.readFile(path.join(out, 'dataset_description.json'), 'utf8')) as { Name: string };
    expect(desc.Name).toBe('glioma (server-side)'); // the server's copy
    for (const d of ['prov.json', 'croissant.json']) await fs.access(path.join(out, d));
    expect(r.err).toMatch(/20 downloaded .* 0 already verified, 0 repaired, 0 resumed, 0 failed/);
    // files come from the resolved version, by hash, never by the (movable) tag
    const hash = manifestHash(manifest);
    expect(fileRequests().every((u) => u.includes(`@${hash}/files/`))).toBe(true);
    expect(r.out).toBe(`brain/glioma@${hash}\n`); // stdout: the pinned reference
    const lock = JSON.parse(await fs.readFile(path.join(out, 'slicewise.lock'), 'utf8'));
    expect(lock).toMatchObject({ schema: 'slicewise-lock/1', spec: 'brain/glioma@v1', ref: 'v1', manifestSha256: hash, datasetVersionId: 'v-1', projectId: 'p-1', files: 20, complete: true });
  });

  it('a re-run downloads nothing; a corrupted, a truncated and a deleted local file are repaired', async () => {
    const out = path.join(tmp, 'rerun');
    expect((await run(['pull', 'brain/glioma@v1', '--out', out, '--token', TOKEN])).code).toBe(0);
    state.requests = [];
    const again = await run(['pull', 'brain/glioma@v1', '--out', out, '--token', TOKEN]);
    expect(again.code).toBe(0);
    expect(fileRequests()).toEqual([]);
    expect(again.err).toMatch(/0 downloaded .* 20 already verified/);

    const [a, b, c] = manifest.files;
    const pa = path.join(out, a!.path);
    const buf = await fs.readFile(pa);
    buf[20] = buf[20]! ^ 1;
    await fs.writeFile(pa, buf); // same size, wrong content
    await fs.truncate(path.join(out, b!.path), 5);
    await fs.rm(path.join(out, c!.path));
    await fs.writeFile(path.join(out, 'images', '.slicewise-part-leftover'), 'x'); // left by a killed run
    state.requests = [];
    const repair = await run(['pull', 'brain/glioma@v1', '--out', out, '--token', TOKEN]);
    expect(repair.code).toBe(0);
    expect(fileRequests().map((u) => u.replace(/^.*\/files\//, '')).sort()).toEqual([a!.path, b!.path, c!.path].sort());
    expect(repair.err).toContain(`repairing ${a!.path}: sha256`);
    expect(repair.err).toContain(`repairing ${b!.path}: size 5 bytes`);
    await expectFolderMatches(out);
  });

  it('a tampered file from the server: exit 1 naming the file, nothing written under its name, others pulled', async () => {
    const out = path.join(tmp, 'tampered');
    const bad = manifest.files[7]!;
    state.tamper.add(bad.path);
    const r = await run(['pull', 'brain/glioma@v1', '--out', out, '--token', TOKEN, '--quiet']);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${bad.path}: sha256 mismatch`);
    await expect(fs.access(path.join(out, bad.path))).rejects.toThrow();
    expect((await fs.readdir(path.join(out, bad.path.split('/')[0]!))).filter((n) => n.startsWith('.'))).toEqual([]);
    // the server is fixed: a re-run fetches only the missing file
    state.tamper.clear();
    state.requests = [];
    expect((await run(['pull', 'brain/glioma@v1', '--out', out, '--token', TOKEN, '--quiet'])).code).toBe(0);
    expect(fileRequests()).toHaveLength(1);
    await expectFolderMatches(out);
  });

  it('a truncated download (connection dropped): retried, then exit 1 naming the file', async () => {
    const out = path.join(tmp, 'truncated');
    const bad = manifest.files[12]!;
    state.truncate.add(bad.path);
    const r = await run(['pull', 'brain/glioma@v1', '--out', out, '--token', TOKEN, '--quiet', '--retries', '2']);
    expect(r.code).toBe(1);
    expect(state.requests.filter((u) => u.endsWith(bad.path))).toHaveLength(3); // 1 + 2 retries
    expect(r.err).toMatch(new RegExp(`${bad.path.replace(/\./g, '\\.')}: download interrupted after \\d+ of ${bad.bytes} bytes`));
    await expect(fs.access(path.join(out, bad.path))).rejects.toThrow();
    // a connection dropped once is retried, continuing where it stopped (HTTP Range), and the pull succeeds
    state.truncate.clear();
    state.truncateOnce.add(bad.path);
    state.requests = [];
    state.headers = [];
    const again = await run(['pull', 'brain/glioma@v1', '--out', path.join(tmp, 'transient'), '--token', TOKEN]);
    expect(again.code).toBe(0);
    expect(again.err).toMatch(new RegExp(`retrying ${bad.path.replace(/\./g, '\\.')} in [\\d.]+ s \\(1/4\\)`));
    // The stalled file resumes; files that were mid-flight beside it when Ctrl-C came resume too (how many is a race).
    expect(Number(/(\d+) resumed/.exec(again.err)?.[1] ?? 0), again.err).toBeGreaterThanOrEqual(1);
    const tries = state.requests.flatMap((u, i) => (u.endsWith(bad.path) ? [state.headers[i]!] : []));
    const half = files.get(bad.path)!.length >> 1;
    expect(tries.map((h) => h.range)).toEqual([undefined, `bytes=${half}-`]);
    await expectFolderMatches(path.join(tmp, 'transient'));
  });

  it('401 with the server message, and a hint when no token was given; 404 for an unknown tag', async () => {
    const out = path.join(tmp, 'auth');
    const bad = await run(['pull', 'brain/glioma@v1', '--out', out, '--token', 'wrong']);
    expect(bad.code).toBe(3);
    expect(bad.err).toContain('401 unauthorised: invalid or expired token');
    const none = await run(['pull', 'brain/glioma@v1', '--out', out]);
    expect(none.code).toBe(3);
    expect(none.err).toContain('pass --token or set SLICEWISE_TOKEN');
    const envToken = await run(['pull', 'brain/glioma@v9', '--out', out], { SLICEWISE_TOKEN: TOKEN });
    expect(envToken.code).toBe(3);
    expect(envToken.err).toContain('404 not found: dataset version /datasets/brain/glioma@v9/manifest.json not found');
  });

  it('pull by manifest hash verifies the manifest (also when the server reorders its keys); a wrong manifest is refused', async () => {
    const hash = manifestHash(manifest);
    state.reorderManifest = true;
    const out = path.join(tmp, 'byhash');
    expect((await run(['pull', `brain/glioma@${hash}`, '--out', out, '--token', TOKEN, '--quiet'])).code).toBe(0);
    await expectFolderMatches(out);
    const other = JSON.parse(manifestBytes(manifest).toString()) as Manifest;
    other.volumes[0]!.review.state = 'ACCEPTED_BY_SOMEONE_ELSE';
    state.manifestOverride = Buffer.from(JSON.stringify(other));
    const r = await run(['pull', `brain/glioma@${hash}`, '--out', path.join(tmp, 'byhash2'), '--token', TOKEN]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/manifest\.json: sha256 [0-9a-f]{64} does not match/);
    // a manifest listing a traversal path is refused before anything is written
    const evil = JSON.parse(manifestBytes(manifest).toString()) as Manifest;
    evil.files[0]!.path = 'images/../../../etc/cron.d/x';
    state.manifestOverride = Buffer.from(JSON.stringify(evil));
    const t = await run(['pull', 'brain/glioma@v1', '--out', path.join(tmp, 'evil'), '--token', TOKEN]);
    expect(t.code).toBe(1);
    expect(t.err).toContain('not a valid dataset manifest');
  });

  it('a stored /1 manifest (published before quality control) pulls, verifies by its hash and gets its documents', async () => {
    // the same content as a /1 manifest: no qc blocks, no waiver, no adherence
    const v2 = JSON.parse(manifestBytes(manifest).toString()) as Record<string, unknown> & { volumes: Record<string, unknown>[] };
    delete v2.qcWaiver;
    delete v2.adherence;
    const v1 = { ...v2, schema: MANIFEST_SCHEMA_V1, volumes: v2.volumes.map(({ qc: _qc, ...v }) => v) } as unknown as ManifestV1;
    state.manifest = v1;
    state.serveDocs = false;
    const hash = manifestHash(v1);
    expect(hash).not.toBe(manifestHash(manifest));
    const out = path.join(tmp, 'v1');
    expect((await run(['pull', `brain/glioma@${hash}`, '--out', out, '--token', TOKEN, '--quiet'])).code).toBe(0);
    const written = await fs.readFile(path.join(out, 'manifest.json'));
    expect(written.equals(manifestBytes(v1))).toBe(true);
    expect(JSON.parse(written.toString()).schema).toBe(MANIFEST_SCHEMA_V1);
    const croissant = JSON.parse(await fs.readFile(path.join(out, 'croissant.json'), 'utf8')) as Record<string, unknown>;
    expect(croissant['rai:hasSyntheticData']).toBe(true);
    expect((await run(['verify', out, '--ref', hash])).code).toBe(0);
  });

  it('documents are computed from the manifest when the server does not serve them', async () => {
    state.serveDocs = false;
    const out = path.join(tmp, 'nodocs');
    expect((await run(['pull', 'brain/glioma@v1', '--out', out, '--token', TOKEN, '--quiet'])).code).toBe(0);
    const desc = JSON.parse(await fs.readFile(path.join(out, 'dataset_description.json'), 'utf8')) as { Name: string; DatasetType: string };
    expect(desc).toMatchObject({ Name: 'glioma (v1)', DatasetType: 'derivative' });
  });

  it('--verify-only re-checks offline and names a corrupt file; network errors exit 4', async () => {
    const out = path.join(tmp, 'verify');
    expect((await run(['pull', 'brain/glioma@v1', '--out', out, '--token', TOKEN, '--quiet'])).code).toBe(0);
    // a port nobody listens on: bind one, then close it
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const deadPort = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const dead = `http://127.0.0.1:${deadPort}`;
    const offline = { SLICEWISE_API_URL: dead };
    expect((await run(['pull', 'brain/glioma@v1', '--out', out, '--verify-only'], offline)).code).toBe(0);
    const f = manifest.files[3]!;
    await fs.appendFile(path.join(out, f.path), 'x');
    const r = await run(['verify', out], offline);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${f.path}: size`);
    const n = await run(['pull', 'brain/glioma@v1', '--out', out, '--token', TOKEN, '--api', dead, '--retries', '1']);
    expect(n.code).toBe(4);
    expect(n.err).toMatch(/retrying manifest of brain\/glioma@v1 in [\d.]+ s \(1\/1\): network error fetching http:\/\/127\.0\.0\.1:\d+\/.*ECONNREFUSED/);
    expect(n.err).toMatch(/slicewise: error: network error fetching http:\/\/127\.0\.0\.1:\d+\/datasets\/brain\/glioma@v1\/manifest\.json: ECONNREFUSED/);
  });

  it('usage errors exit 2', async () => {
    expect((await run(['pull', 'no-dataset', '--out', tmp])).code).toBe(2);
    expect((await run(['pull', 'a/b@c'])).code).toBe(2);
    expect((await run(['pull', 'a/b@c', '--out', tmp, '--concurrency', '0'])).code).toBe(2);
    expect((await run(['pull', 'a/b@c', '--out', tmp, '--retries', 'many'])).err).toContain('--retries must be an integer in 0..20, got "many"');
    expect((await run(['fetch'])).code).toBe(2);
  });

  it('signed links: files are fetched without the token, and an expired link is renewed through the manifest', async () => {
    state.signLinks = true;
    const out = path.join(tmp, 'signed');
    state.respond.set(manifest.files[0]!.path, { status: 401, times: 1 }); // the link expired under a running pull
    const r = await run(['pull', 'brain/glioma@v1', '--out', out, '--token', TOKEN, '--quiet']);
    expect(r.code, r.err).toBe(0);
    const fileIdx = state.requests.flatMap((u, i) => (/\/files\/(images|masks)\//.test(u) ? [i] : []));
    expect(fileIdx.every((i) => state.requests[i]!.startsWith('/datasets/signed/v-1/files/'))).toBe(true);
    expect(fileIdx.every((i) => state.headers[i]!.authorization === undefined)).toBe(true);
    expect(state.requests.filter((u) => u.endsWith('manifest.json'))).toEqual(['/datasets/brain/glioma@v1/manifest.json', `/datasets/brain/glioma@${manifestHash(manifest)}/manifest.json`]);
    await expectFolderMatches(out);
  });

  it('a redirect to object storage (another origin) is followed without the token, and a cut download resumes there', async () => {
    state.redirectFiles = true;
    const f = manifest.files[3]!;
    state.truncateOnce.add(f.path);
    const out = path.join(tmp, 'redirected');
    const r = await run(['pull', 'brain/glioma@v1', '--out', out, '--token', TOKEN]);
    expect(r.code, r.err).toBe(0);
    const api = state.headers.filter((h) => h.host?.startsWith('127.0.0.1') && h['x-slicewise-accept-redirect']);
    const bucket = state.headers.filter((h) => h.host?.startsWith('localhost'));
    expect(api.length).toBeGreaterThanOrEqual(20);
    expect(bucket.length).toBe(21); // 20 files, one of them twice
    expect(bucket.every((h) => h.authorization === undefined && h['x-slicewise-accept-redirect'] === undefined && h['if-range'] === undefined)).toBe(true);
    expect(bucket.filter((h) => h.range).map((h) => h.range)).toEqual([`bytes=${files.get(f.path)!.length >> 1}-`]);
    expect(r.err).toContain('1 resumed');
    await expectFolderMatches(out);
  });

  it('a folder holding another version is refused (exit 6) unless --replace; a folder of other files is refused', async () => {
    const out = path.join(tmp, 'other-version');
    expect((await run(['pull', 'brain/glioma@v1', '--out', out, '--token', TOKEN, '--quiet'])).code).toBe(0);
    const lockPath = path.join(out, 'slicewise.lock');
    const lock = JSON.parse(await fs.readFile(lockPath, 'utf8'));
    const otherHash = 'ab'.repeat(32);
    await fs.writeFile(lockPath, JSON.stringify({ ...lock, manifestSha256: otherHash, spec: 'brain/glioma@v0' }));
    const before = await fs.readFile(path.join(out, manifest.files[0]!.path));
    const r = await run(['pull', 'brain/glioma@v1', '--out', out, '--token', TOKEN]);
    expect(r.code).toBe(6);
    expect(r.err).toContain(`holds version ${otherHash.slice(0, 12)} (brain/glioma@v0), not brain/glioma@v1 = ${manifestHash(manifest).slice(0, 12)}`);
    expect(await fs.readFile(path.join(out, manifest.files[0]!.path))).toEqual(before);
    await fs.writeFile(path.join(out, 'images', 'stray_image.nii.gz'), 'not in this version');
    const replaced = await run(['pull', 'brain/glioma@v1', '--out', out, '--token', TOKEN, '--replace']);
    expect(replaced.code, replaced.err).toBe(0);
    expect(replaced.err).toContain('replacing version abababababab');
    await expect(fs.access(path.join(out, 'images', 'stray_image.nii.gz'))).rejects.toThrow();
    await expectFolderMatches(out);
    const mine = path.join(tmp, 'mine');
    await fs.mkdir(mine);
    await fs.writeFile(path.join(mine, 'notes.txt'), 'mine');
    const refused = await run(['pull', 'brain/glioma@v1', '--out', mine, '--token', TOKEN]);
    expect(refused.code).toBe(6);
    expect(refused.err).toContain('holds files that are not a pulled dataset version (notes.txt)');
    expect(await fs.readdir(mine)).toEqual(['notes.txt']);
  });

  it('5xx are retried; 429 waits for Retry-After, then gives exit 5 with the delay', async () => {
    state.respond.set('manifest.json', { status: 503, times: 2 });
    const a = await run(['pull', 'brain/glioma@v1', '--out', path.join(tmp, 'r503'), '--token', TOKEN]);
    expect(a.code, a.err).toBe(0);
    expect(a.err).toContain('server answered 503');
    state.respond.set('manifest.json', { status: 429, headers: { 'retry-after': '1' }, times: 1 });
    const t0 = performance.now();
    const b = await run(['pull', 'brain/glioma@v1', '--out', path.join(tmp, 'r429'), '--token', TOKEN, '--quiet']);
    expect(b.code, b.err).toBe(0);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(1000);
    state.respond.set('manifest.json', { status: 429, headers: { 'retry-after': '3600' }, times: 5 });
    const c = await run(['pull', 'brain/glioma@v1', '--out', path.join(tmp, 'r429b'), '--token', TOKEN, '--quiet']);
    expect(c.code).toBe(5);
    expect(c.err).toContain('429 rate limited: injected 429; retry after 3600 s');
  });

  it('the slicewise bin runs as a process and returns the exit code', async () => {
    const bin = fileURLToPath(new URL('../bin/slicewise.js', import.meta.url));
    const out = path.join(tmp, 'bin');
    const exec = (args: string[]) =>
      new Promise<{ code: number | null; err: string }>((resolve) => {
        const p = spawn(process.execPath, [bin, ...args], { env: { ...process.env, SLICEWISE_API_URL: api, SLICEWISE_TOKEN: TOKEN } });
        let err = '';
        p.stderr.on('data', (d: Buffer) => (err += d.toString()));
        p.on('close', (code) => resolve({ code, err }));
      });
    const ok = await exec(['pull', 'brain/glioma@v1', '--out', out]);
    expect(ok.err).toContain('done');
    expect(ok.code).toBe(0);
    state.tamper.add(manifest.files[0]!.path);
    await fs.rm(path.join(out, manifest.files[0]!.path));
    const bad = await exec(['pull', 'brain/glioma@v1', '--out', out]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain(manifest.files[0]!.path);
  });

  it('Ctrl-C exits 130 keeping the partial file; the next run continues it with a Range request', async () => {
    const bin = fileURLToPath(new URL('../bin/slicewise.js', import.meta.url));
    const out = path.join(tmp, 'interrupted');
    const f = manifest.files[5]!;
    state.stall.set(f.path, () => {});
    const p = spawn(process.execPath, [bin, 'pull', 'brain/glioma@v1', '--out', out], { env: { ...process.env, SLICEWISE_API_URL: api, SLICEWISE_TOKEN: TOKEN } });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => p.on('close', resolve));
    const part = path.join(out, path.dirname(f.path), `.slicewise-part-${path.basename(f.path)}`);
    const half = files.get(f.path)!.length >> 1;
    const deadline = Date.now() + 20_000;
    while (((await fs.stat(part).catch(() => null))?.size ?? 0) < half && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    p.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(err).toContain('interrupted; run the same command again to resume');
    expect((await fs.stat(part)).size).toBe(half);
    expect(JSON.parse(await fs.readFile(path.join(out, 'slicewise.lock'), 'utf8')).complete).toBe(false);
    state.stall.get(`released:${f.path}`)?.();
    state.requests = [];
    state.headers = [];
    const again = await run(['pull', 'brain/glioma@v1', '--out', out, '--token', TOKEN]);
    expect(again.code, again.err).toBe(0);
    // The stalled file resumes; files that were mid-flight beside it when Ctrl-C came resume too (how many is a race).
    expect(Number(/(\d+) resumed/.exec(again.err)?.[1] ?? 0), again.err).toBeGreaterThanOrEqual(1);
    const tries = state.requests.flatMap((u, i) => (u.endsWith(f.path) ? [state.headers[i]!.range] : []));
    expect(tries).toEqual([`bytes=${half}-`]);
    await expectFolderMatches(out);
  });
});
