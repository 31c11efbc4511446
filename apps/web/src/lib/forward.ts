// Forwards a browser request to the API at request time (server-side only). A next.config
// rewrite would bake the API's address in at build time (routes-manifest.json); this reads
// SLICEWISE_API_URL when the server runs, so one build works against any API. The API's httpOnly
// session cookie (sw_session) passes through both ways, first-party.
import type { NextRequest } from 'next/server';

const apiUrl = (process.env.SLICEWISE_API_URL ?? 'http://127.0.0.1:4000').replace(/\/$/, '');
const FORWARD_REQUEST = ['content-type', 'accept', 'cookie', 'authorization', 'user-agent', 'x-request-id', 'range', 'if-none-match'];
const FORWARD_RESPONSE = ['content-type', 'content-length', 'content-disposition', 'cache-control', 'etag', 'x-request-id', 'accept-ranges', 'content-range'];

export async function forwardToApi(req: NextRequest, apiPath: string): Promise<Response> {
  const headers = new Headers();
  for (const h of FORWARD_REQUEST) {
    const v = req.headers.get(h);
    if (v !== null) headers.set(h, v);
  }
  const ip = req.headers.get('x-forwarded-for');
  if (ip) headers.set('x-forwarded-for', ip);
  let upstream: Response;
  try {
    upstream = await fetch(`${apiUrl}${apiPath}${req.nextUrl.search}`, {
      method: req.method,
      headers,
      body: req.method === 'GET' || req.method === 'HEAD' ? undefined : await req.arrayBuffer(),
      redirect: 'manual',
      cache: 'no-store',
    });
  } catch {
    return Response.json(
      { errors: [{ message: 'The Slicewise API is not reachable from the web server; is it running?', extensions: { code: 'API_UNREACHABLE' } }] },
      { status: 502 },
    );
  }
  const out = new Headers();
  for (const h of FORWARD_RESPONSE) {
    const v = upstream.headers.get(h);
    if (v !== null) out.set(h, v);
  }
  for (const c of upstream.headers.getSetCookie()) out.append('set-cookie', c);
  return new Response(upstream.body, { status: upstream.status, headers: out });
}
