/**
 * Canonical JSON: the byte form whose sha256 identifies a dataset version. Rules (a subset of RFC 8785,
 * JCS, sufficient for our data): object keys sorted by UTF-16 code units (JS default sort), no
 * whitespace, numbers in ECMAScript shortest round-trip form (JSON.stringify), strings escaped by
 * JSON.stringify. `undefined` object members are dropped (as JSON does); non-finite numbers, bigint,
 * functions, symbols and `undefined` array elements are refused, so a value never hashes differently
 * from what a reader parses back.
 */
import { createHash } from 'node:crypto';

export class CanonicalJsonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CanonicalJsonError';
  }
}

function write(value: unknown, at: string, out: string[]): void {
  if (value === null) {
    out.push('null');
    return;
  }
  switch (typeof value) {
    case 'string':
      out.push(JSON.stringify(value));
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalJsonError(`${at}: number ${value} is not finite; canonical JSON allows finite numbers only`);
      out.push(JSON.stringify(value));
      return;
    case 'object': {
      if (value instanceof Date) {
        out.push(JSON.stringify(value.toISOString()));
        return;
      }
      if (Array.isArray(value)) {
        out.push('[');
        value.forEach((v, i) => {
          if (v === undefined) throw new CanonicalJsonError(`${at}[${i}]: undefined array element; use null`);
          if (i > 0) out.push(',');
          write(v, `${at}[${i}]`, out);
        });
        out.push(']');
        return;
      }
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj)
        .filter((k) => obj[k] !== undefined)
        .sort();
      out.push('{');
      keys.forEach((k, i) => {
        if (i > 0) out.push(',');
        out.push(JSON.stringify(k), ':');
        write(obj[k], `${at}.${k}`, out);
      });
      out.push('}');
      return;
    }
    default:
      throw new CanonicalJsonError(`${at}: ${typeof value} cannot be written as canonical JSON (allowed: null, boolean, finite number, string, array, object, Date)`);
  }
}

/** Canonical JSON text of `value` (see the file comment). */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  write(value, '$', out);
  return out.join('');
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
