// Issue 13: the web app limits bodies before buffering and before auth (413), streams uploads to
// the API, passes the browser's address only with its secret, and sends security headers.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { NextRequest } from 'next/server';

let upstream: http.Server;
const received: { path: string; bytes: number; headers: http.IncomingHttpHeaders; firstChunkAt: number | null }[] = [];
let firstChunk: () => void = () => {};

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    const r = { path: req.url ?? '', bytes: 0, headers: req.headers, firstChunkAt: null as number | null };
    received.push(r);
    req.on('data', (c: Buffer) => {
      if (r.firstChunkAt === null) {
        r.firstChunkAt = Date.now();
        firstChunk();
      }
      r.bytes += c.length;
    });
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ bytes: r.bytes })));
    req.on('error', () => {});
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  vi.stubEnv('SLICEWISE_API_URL', `http://127.0.0.1:${(upstream.address() as { port: number }).port}`);
  vi.stubEnv('MAX_UPLOAD_BYTES', String(64 * 1024 * 1024));
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await new Promise((r) => upstream.close(r));
});

/** A lazy body of `total` bytes in 64 KiB chunks; counts what was pulled. */
function lazyBody(total: number, gate?: (sent: number) => Promise<void>) {
  const chunk = new Uint8Array(64 * 1024).fill(120);
  const state = { pulled: 0 };
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (state.pulled >= total) return controller.close();
      if (gate) await gate(state.pulled);
      const n = Math.min(chunk.length, total - state.pulled);
      state.pulled += n;
      controller.enqueue(n === chunk.length ? chunk : chunk.subarray(0, n));
    },
  });
  return { stream, state };
}

const request = (path: string, body: ReadableStream<Uint8Array> | null, headers: Record<string, string> = {}) =>
  new NextRequest(`http://localhost:3000${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, duplex: 'half' } as ConstructorParameters<typeof NextRequest>[1]);

describe('forwardToApi', () => {
  it('refuses an anonymous 300 MiB body with 413 after reading at most the limit (1 MiB), never buffering it', async () => {
    const { forwardToApi } = await import('./forward');
    const { stream, state } = lazyBody(300 * 1024 * 1024);
    const rss = process.memoryUsage().rss;
    const res = await forwardToApi(request('/graphql', stream), '/graphql');
    const grewMb = (process.memoryUsage().rss - rss) / 2 ** 20;
    console.log(JSON.stringify({ measure: 'web: anonymous 300 MiB POST', status: res.status, pulledBytes: state.pulled, rssGrowthMb: Math.round(grewMb) }));
    expect(res.status).toBe(413);
    expect(((await res.json()) as any).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
    expect(state.pulled).toBeLessThanOrEqual(1024 * 1024 + 2 * 64 * 1024);
    expect(grewMb).toBeLessThan(100);
  });

  it('refuses a declared length over the limit before reading a byte', async () => {
    const { forwardToApi } = await import('./forward');
    const before = received.length;
    const { stream, state } = lazyBody(2 * 1024 * 1024);
    const res = await forwardToApi(request('/graphql', stream, { 'content-length': String(2 * 1024 * 1024) }), '/graphql');
    expect(res.status).toBe(413);
    expect(state.pulled).toBe(0);
    expect(received.length).toBe(before); // the API was not even called
  });

  it('streams an upload to the API as it arrives (the API sees the first bytes before the last are sent)', async () => {
    const { forwardToApi } = await import('./forward');
    const seen = new Promise<void>((r) => (firstChunk = r));
    // The body only continues past 1 MiB once the API has received bytes: a buffering proxy deadlocks.
    const { stream } = lazyBody(8 * 1024 * 1024, async (sent) => {
      if (sent === 1024 * 1024) {
        await Promise.race([seen, new Promise((_, reject) => setTimeout(() => reject(new Error('the API got nothing while the upload was in progress: the body is buffered')), 5000))]);
      }
    });
    const res = await forwardToApi(request('/uploads/projects/p/reference-masks', stream, { 'content-type': 'application/octet-stream' }), '/uploads/projects/p/reference-masks');
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).bytes).toBe(8 * 1024 * 1024);
  });

  it('passes the browser address to the API with the secret only when the front set it', async () => {
    const { forwardToApi } = await import('./forward');
    vi.stubEnv('WEB_PROXY_SECRET', 'w'.repeat(40));
    vi.stubEnv('SLICEWISE_CLIENT_IP_NONCE', 'nonce-1');
    try {
      await forwardToApi(request('/graphql', null, { 'x-slicewise-client-ip': '198.51.100.9', 'x-slicewise-client-ip-nonce': 'nonce-1' }), '/graphql');
      expect(received.at(-1)!.headers).toMatchObject({ 'x-slicewise-client-ip': '198.51.100.9', 'x-slicewise-proxy-secret': 'w'.repeat(40) });
      // A client that sends the header itself (no nonce, or a guessed one) is not believed.
      await forwardToApi(request('/graphql', null, { 'x-slicewise-client-ip': '203.0.113.5', 'x-slicewise-client-ip-nonce': 'guess', 'x-forwarded-for': '203.0.113.5' }), '/graphql');
      expect(received.at(-1)!.headers['x-slicewise-client-ip']).toBeUndefined();
      expect(received.at(-1)!.headers['x-slicewise-proxy-secret']).toBeUndefined();
      expect(received.at(-1)!.headers['x-forwarded-for']).toBeUndefined();
    } finally {
      vi.stubEnv('WEB_PROXY_SECRET', '');
    }
  });
});

describe('security headers', () => {
  it('every page and route sends CSP with frame-ancestors, nosniff, a referrer policy and no framing', async () => {
    const config = (await import('../../next.config')).default;
    const rules = await config.headers!();
    const all = rules.find((r) => r.source === '/:path*');
    const h = Object.fromEntries(all!.headers.map((x) => [x.key.toLowerCase(), x.value]));
    expect(h['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(h['content-security-policy']).toMatch(/default-src 'self'/);
    expect(h['content-security-policy']).toMatch(/object-src 'none'/);
    expect(h['x-content-type-options']).toBe('nosniff');
    expect(h['referrer-policy']).toBe('strict-origin-when-cross-origin');
    expect(h['x-frame-options']).toBe('DENY');
  });
});
