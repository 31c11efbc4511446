/**
 * HTTP for `slicewise pull`: node:http(s) with keep-alive agents (one connection per parallel download,
 * reused for every file), typed failures (CliError with the exit code), and retries with exponential
 * backoff and jitter on connection failures, 5xx and 429 (honouring Retry-After).
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { CliError, EXIT } from './errors.ts';

export interface RetryPolicy {
  /** Attempts after the first. */
  retries: number;
  /** First delay in ms; doubles each attempt (full jitter), capped at maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs: number;
  /** A Retry-After longer than this is reported at once instead of slept on. */
  maxRetryAfterMs: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export const DEFAULT_RETRY: RetryPolicy = { retries: 4, backoffMs: 500, maxBackoffMs: 20_000, maxRetryAfterMs: 300_000 };

export function backoffMs(policy: RetryPolicy, attempt: number): number {
  return (0.5 + Math.random() / 2) * Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** attempt);
}

/** Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date; seconds. */
export function retryAfterSeconds(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim());
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - Date.now()) / 1000);
}

export class Http {
  private readonly agents: { http: http.Agent; https: https.Agent };

  constructor(
    readonly token: string | undefined,
    readonly policy: RetryPolicy = DEFAULT_RETRY,
    sockets = 8,
    readonly onRetry: (message: string) => void = () => {},
  ) {
    this.agents = { http: new http.Agent({ keepAlive: true, maxSockets: sockets }), https: new https.Agent({ keepAlive: true, maxSockets: sockets }) };
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  /** One GET; resolves with the response (body unread) whatever its status. Connection failures reject retryable. */
  open(url: string, headers: Record<string, string> = {}, auth = true): Promise<IncomingMessage> {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : http;
    const agent = u.protocol === 'https:' ? this.agents.https : this.agents.http;
    const h: Record<string, string> = { 'user-agent': 'slicewise-cli/0.1.0', ...headers };
    if (auth && this.token) h.authorization = `Bearer ${this.token}`;
    return new Promise((resolve, reject) => {
      const req = mod.get(u, { agent, headers: h }, resolve);
      req.on('error', (e: NodeJS.ErrnoException) =>
        reject(new CliError(EXIT.NETWORK, `network error fetching ${url}: ${e.code ?? ''} ${e.message}`.replace(/\s+/g, ' ').trim(), undefined, true)),
      );
    });
  }

  /**
   * `open`, following redirects (at most 3): the API answers a file request that carries
   * `x-slicewise-accept-redirect: presigned` with 302 to a presigned object-storage URL. Another origin gets
   * no token, no `x-slicewise-*` header and no If-Range (an object store's ETag is not the file's sha256;
   * the sha256 check at the end still guards a resumed download).
   */
  async openFollowing(url: string, headers: Record<string, string> = {}, auth = true): Promise<IncomingMessage> {
    let current = new URL(url);
    let h = headers;
    let a = auth;
    for (let hop = 0; ; hop++) {
      const res = await this.open(current.toString(), h, a);
      const location = res.headers.location;
      if (!REDIRECTS.has(res.statusCode ?? 0) || !location) return res;
      res.resume(); // the connection goes back to the pool
      if (hop === 3) throw new CliError(EXIT.NETWORK, `${url}: more than 3 redirects (last to ${location})`, res.statusCode);
      const next = new URL(location, current);
      if (next.origin !== current.origin) {
        a = false;
        h = Object.fromEntries(Object.entries(h).filter(([k]) => !/^(x-slicewise-|if-range$|authorization$)/i.test(k)));
      }
      current = next;
    }
  }

  /** The typed error for a non-2xx response (reads its body for the server's message). */
  async errorFor(res: IncomingMessage, what: string): Promise<CliError> {
    const chunks: Buffer[] = [];
    try {
      for await (const c of res) chunks.push(c as Buffer);
    } catch {
      /* the message is best effort */
    }
    const text = Buffer.concat(chunks).toString('utf8');
    let msg = text.trim().slice(0, 500) || res.statusMessage || '';
    try {
      const j = JSON.parse(text) as { error?: unknown; message?: unknown; errors?: { message?: string }[] };
      const m = j.error ?? j.message ?? j.errors?.[0]?.message;
      if (typeof m === 'string') msg = m;
    } catch {
      /* not JSON */
    }
    const s = res.statusCode ?? 0;
    if (s === 401) return new CliError(EXIT.AUTH, `${what}: 401 unauthorised: ${msg}${this.token ? '' : ' (no token given: pass --token or set SLICEWISE_TOKEN)'}`, s);
    if (s === 403) return new CliError(EXIT.AUTH, `${what}: 403 forbidden: ${msg}`, s);
    if (s === 404) return new CliError(EXIT.AUTH, `${what}: 404 not found: ${msg}`, s);
    if (s === 429) {
      const ra = retryAfterSeconds(res.headers['retry-after']);
      return new CliError(EXIT.RATE_LIMITED, `${what}: 429 rate limited: ${msg}${ra !== undefined ? `; retry after ${Math.round(ra)} s` : ''}`, s, true, ra);
    }
    return new CliError(EXIT.NETWORK, `${what}: server answered ${s}: ${msg}`, s, s >= 500, retryAfterSeconds(res.headers['retry-after']));
  }

  /** `fn()`, retried per the policy while it rejects with a retryable CliError. */
  async retrying<T>(fn: () => Promise<T>, what: string): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (!(e instanceof CliError) || !e.retryable || attempt >= this.policy.retries) throw e;
        const askedMs = e.retryAfterSeconds !== undefined ? e.retryAfterSeconds * 1000 : undefined;
        if (askedMs !== undefined && askedMs > this.policy.maxRetryAfterMs) throw e;
        const delay = askedMs ?? backoffMs(this.policy, attempt);
        this.onRetry(`retrying ${what} in ${(delay / 1000).toFixed(1)} s (${attempt + 1}/${this.policy.retries}): ${e.message}`);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /** GET a small body (manifest, documents) with retries; non-200 answers become typed errors. */
  async getBytes(url: string, what: string, auth = true): Promise<{ body: Buffer; res: IncomingMessage }> {
    return this.retrying(async () => {
      const res = await this.open(url, {}, auth);
      if (res.statusCode !== 200) throw await this.errorFor(res, what);
      const chunks: Buffer[] = [];
      try {
        for await (const c of res) chunks.push(c as Buffer);
      } catch (e) {
        throw new CliError(EXIT.NETWORK, `network error reading ${what} from ${url}: ${(e as Error).message}`, undefined, true);
      }
      return { body: Buffer.concat(chunks), res };
    }, what);
  }
}
