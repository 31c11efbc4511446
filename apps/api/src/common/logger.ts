// Structured JSON logs (pino). Every request's lines carry its requestId. Logs never hold request
// bodies or credentials: any field whose name says password, secret, token, cookie or authorization
// is replaced by "[REDACTED]" wherever it sits, and an error's `body` (body-parser attaches the raw
// request body to a JSON syntax error) is dropped.
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

const SENSITIVE = /pass(word)?|secret|token|cookie|authori[sz]ation|signature|api[-_]?key/i;
const DROPPED = new Set(['body', 'rawBody']);
const MAX_DEPTH = 6;

/** A copy of `value` with credentials redacted and request bodies removed (bounded depth). */
export function redactDeep(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[…]';
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => redactDeep(v, depth + 1));
  const src = value instanceof Error ? errorFields(value) : (value as Record<string, unknown>);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(src)) {
    if (DROPPED.has(k)) continue;
    out[k] = SENSITIVE.test(k) && v !== null && v !== undefined && typeof v !== 'boolean' ? '[REDACTED]' : redactDeep(v, depth + 1);
  }
  return out;
}

function errorFields(e: Error): Record<string, unknown> {
  const fields: Record<string, unknown> = { type: e.name, message: e.message };
  // Client mistakes (http-errors with a 4xx status) are not bugs: no stack for them.
  const status = (e as { status?: unknown }).status;
  if (!(typeof status === 'number' && status < 500)) fields.stack = e.stack;
  for (const [k, v] of Object.entries(e)) if (!(k in fields)) fields[k] = v;
  if (e.cause !== undefined) fields.cause = e.cause;
  return fields;
}

export function createLogger(level: string, name = 'api', destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name,
    level,
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { log: (obj) => redactDeep(obj) as Record<string, unknown> },
    serializers: { err: (e: unknown) => redactDeep(e) },
  };
  return destination ? pino(options, destination) : pino(options);
}
