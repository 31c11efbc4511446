// Forwards a browser request to the API at request time (server-side only). A next.config
// rewrite would bake the API's address in at build time (routes-manifest.json); this reads
// SLICEWISE_API_URL when the server runs, so one build works against any API. The API's httpOnly
// session cookie (sw_session) passes through both ways, first-party.
//
// Bodies are never buffered: a declared length over the path's limit is refused (413) before a
// byte is read and before any session is looked at, and the body is streamed to the API through a
// counter that cuts it off at the limit. The browser's address goes to the API in a header the API
// believes only with WEB_PROXY_SECRET (see edge.ts and server.ts).
import type { NextRequest } from 'next/server';
import { bodyLimitFor, CLIENT_IP_HEADER, CLIENT_IP_NONCE_HEADER, edgeConfig, errorResponse, limitStream, PROXY_SECRET_HEADER } from './edge';

const FORWARD_REQUEST = ['content-type', 'accept', 'cookie', 'authorization', 'user-agent', 'x-request-id', 'range', 'if-none-match'];
// x-manifest-sha256: `slicewise pull` through the web origin checks the manifest against it.
const FORWARD_RESPONSE = ['content-type', 'content-length', 'content-disposition', 'cache-control', 'etag', 'x-request-id', 'accept-ranges', 'content-range', 'retry-after', 'x-manifest-sha256'];

const apiUrl = () => (process.env.SLICEWISE_API_URL ?? 'http://127.0.0.1:4000').replace(/\/$/, '');

export async function forwardToApi(req: NextRequest, apiPath: string): Promise<Response> {
  const config = edgeConfig();
  const limit = bodyLimitFor(req.nextUrl.pathname, config);
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  const lengthHeader = req.headers.get('content-length');
  const declared = lengthHeader === null || lengthHeader.trim() === '' ? NaN : Number(lengthHeader);
  if (hasBody && Number.isFinite(declared) && declared > limit) {
    await req.body?.cancel().catch(() => {});
    return errorResponse(413, 'PAYLOAD_TOO_LARGE', `The request body is ${declared} bytes, over the limit of ${limit} bytes`);
  }
  const headers = new Headers();
  for (const h of FORWARD_REQUEST) {
    const v = req.headers.get(h);
    if (v !== null) headers.set(h, v);
  }
  if (hasBody && Number.isFinite(declared) && declared >= 0) headers.set('content-length', String(declared));
  const secret = process.env.WEB_PROXY_SECRET;
  const nonce = process.env.SLICEWISE_CLIENT_IP_NONCE;
  const ip = req.headers.get(CLIENT_IP_HEADER);
  if (secret && nonce && ip && req.headers.get(CLIENT_IP_NONCE_HEADER) === nonce) {
    headers.set(CLIENT_IP_HEADER, ip);
    headers.set(PROXY_SECRET_HEADER, secret);
  }
  let over = false;
  const body = hasBody && req.body ? limitStream(req.body, limit, () => (over = true)) : undefined;
  let upstream: Response;
  try {
    upstream = await fetch(`${apiUrl()}${apiPath}${req.nextUrl.search}`, {
      method: req.method,
      headers,
      body,
      // Streams the body as it arrives (a fetch with a stream body must say so).
      ...(body ? { duplex: 'half' } : {}),
      redirect: 'manual',
      cache: 'no-store',
    } as RequestInit);
  } catch {
    if (over) return errorResponse(413, 'PAYLOAD_TOO_LARGE', `The request body is over the limit of ${limit} bytes`);
    return errorResponse(502, 'API_UNREACHABLE', 'The Slicewise API is not reachable from the web server; is it running?');
  }
  if (over) {
    await upstream.body?.cancel().catch(() => {});
    return errorResponse(413, 'PAYLOAD_TOO_LARGE', `The request body is over the limit of ${limit} bytes`);
  }
  const out = new Headers();
  for (const h of FORWARD_RESPONSE) {
    const v = upstream.headers.get(h);
    if (v !== null) out.set(h, v);
  }
  for (const c of upstream.headers.getSetCookie()) out.append('set-cookie', c);
  return new Response(upstream.body, { status: upstream.status, headers: out });
}
