// What the web server decides about a request before anything reads its body or checks a session:
// the body limit of its path, and the browser's address (which the API rate-limits on). Used by the
// HTTP front (server.ts) and by the forwarding route handlers (forward.ts).
import { isIP } from 'node:net';

/** Set by server.ts on every request (any incoming copy is dropped first): the browser's address. */
export const CLIENT_IP_HEADER = 'x-slicewise-client-ip';
/** Proves CLIENT_IP_HEADER was set by this process's front, not sent by a client. */
export const CLIENT_IP_NONCE_HEADER = 'x-slicewise-client-ip-nonce';
/** Sent to the API with WEB_PROXY_SECRET, so the API trusts CLIENT_IP_HEADER from the web app only. */
export const PROXY_SECRET_HEADER = 'x-slicewise-proxy-secret';

export interface EdgeConfig {
  /** Largest GraphQL (and any other) request body: the API's GRAPHQL_MAX_BODY_BYTES. */
  maxBodyBytes: number;
  /** Largest reference-mask upload: the API's MAX_UPLOAD_BYTES. */
  maxUploadBytes: number;
  /** Proxies in front of the web server whose X-Forwarded-For entries are believed (WEB_TRUST_PROXY_HOPS). */
  trustedHops: number;
}

function intEnv(env: Record<string, string | undefined>, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`${name}=${JSON.stringify(raw)}: must be an integer >= ${min}`);
  return n;
}

export function edgeConfig(env: Record<string, string | undefined> = process.env): EdgeConfig {
  return {
    maxBodyBytes: intEnv(env, 'GRAPHQL_MAX_BODY_BYTES', 1024 * 1024, 1024),
    maxUploadBytes: intEnv(env, 'MAX_UPLOAD_BYTES', 64 * 1024 * 1024, 1024),
    trustedHops: intEnv(env, 'WEB_TRUST_PROXY_HOPS', 0, 0),
  };
}

/** The body limit of a path (bytes). */
export function bodyLimitFor(pathname: string, c: EdgeConfig): number {
  return pathname.startsWith('/uploads/') ? c.maxUploadBytes : c.maxBodyBytes;
}

/**
 * The browser's address: the socket's, or, behind `trustedHops` proxies of your own, the entry of
 * X-Forwarded-For that the outermost trusted proxy saw (entries further left are the client's word).
 */
export function clientAddressOf(socketAddress: string | undefined, xForwardedFor: string | undefined, trustedHops: number): string | null {
  let addr = socketAddress ?? null;
  if (trustedHops > 0 && xForwardedFor) {
    const hops = xForwardedFor.split(',').map((s) => s.trim()).filter(Boolean);
    const pick = hops[hops.length - trustedHops];
    if (pick && isIP(pick)) addr = pick;
  }
  if (addr?.startsWith('::ffff:') && isIP(addr.slice(7)) === 4) addr = addr.slice(7);
  return addr && isIP(addr) ? addr : null;
}

/** A JSON error in the API's shape. */
export function errorResponse(status: number, code: string, message: string): Response {
  return Response.json({ errors: [{ message, extensions: { code } }] }, { status, headers: { connection: 'close' } });
}

/**
 * `body` cut off with an error once more than `limit` bytes have passed; nothing beyond the limit is
 * pulled from the source.
 */
export function limitStream(body: ReadableStream<Uint8Array>, limit: number, onOver: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let seen = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) return controller.close();
      seen += value.byteLength;
      if (seen > limit) {
        onOver();
        await reader.cancel('over the limit').catch(() => {});
        controller.error(new Error(`body over ${limit} bytes`));
        return;
      }
      controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
