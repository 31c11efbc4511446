/**
 * Minimal POSIX ustar writer (IEEE 1003.1-1988 / POSIX.1-2001 "ustar" format): a 512-byte header per
 * entry, the data padded with zeros to a 512-byte boundary, and two zero blocks at the end. Every header
 * field is fixed, so the archive's byte layout (and total length) is known before any data is read: this
 * is what makes Content-Length and HTTP Range requests on a streamed export possible.
 *
 * Deterministic: mode 0644 (dirs 0755), uid/gid 0, empty user/group names, one fixed mtime.
 */

export const BLOCK = 512;

export class TarError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarError';
  }
}

export interface TarEntry {
  path: string;
  /** Data length in bytes (0 for directories). */
  bytes: number;
  type: 'file' | 'directory';
}

function octal(value: number, width: number): string {
  // width includes the terminating NUL.
  const s = value.toString(8);
  if (s.length > width - 1) throw new TarError(`value ${value} does not fit an octal field of ${width - 1} digits`);
  return s.padStart(width - 1, '0');
}

function writeString(buf: Buffer, offset: number, width: number, s: string, field: string): void {
  const b = Buffer.from(s, 'utf8');
  if (b.length > width) throw new TarError(`tar ${field} ${JSON.stringify(s)} is ${b.length} bytes, at most ${width} allowed`);
  b.copy(buf, offset);
}

/** Split a path into ustar (prefix, name): name <= 100 bytes, prefix <= 155 bytes, split at a '/'. */
function splitPath(path: string): [string, string] {
  if (Buffer.byteLength(path) <= 100) return ['', path];
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name.length > 0) return [prefix, name];
  }
  throw new TarError(`path ${JSON.stringify(path)} cannot be stored in a ustar header (name <= 100 bytes after a prefix <= 155 bytes)`);
}

export function tarHeader(entry: TarEntry, mtimeSec: number): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  const path = entry.type === 'directory' && !entry.path.endsWith('/') ? `${entry.path}/` : entry.path;
  const [prefix, name] = splitPath(path);
  writeString(h, 0, 100, name, 'name');
  writeString(h, 100, 8, octal(entry.type === 'directory' ? 0o755 : 0o644, 8), 'mode');
  writeString(h, 108, 8, octal(0, 8), 'uid');
  writeString(h, 116, 8, octal(0, 8), 'gid');
  if (!Number.isSafeInteger(entry.bytes) || entry.bytes < 0) throw new TarError(`entry ${path}: size must be a non-negative integer, got ${entry.bytes}`);
  if (entry.bytes <= 0o77777777777) writeString(h, 124, 12, octal(entry.bytes, 12), 'size');
  else {
    // GNU/POSIX base-256 extension for sizes >= 8 GiB: high bit of the first byte set, big-endian value.
    h[124] = 0x80;
    let v = BigInt(entry.bytes);
    for (let i = 135; i > 124; i--) {
      h[i] = Number(v & 0xffn);
      v >>= 8n;
    }
  }
  writeString(h, 136, 12, octal(Math.floor(mtimeSec), 12), 'mtime');
  h.fill(0x20, 148, 156); // checksum is computed with its own field as spaces
  h[156] = (entry.type === 'directory' ? '5' : '0').charCodeAt(0);
  writeString(h, 257, 6, 'ustar\0', 'magic');
  writeString(h, 263, 2, '00', 'version');
  writeString(h, 329, 8, octal(0, 8), 'devmajor');
  writeString(h, 337, 8, octal(0, 8), 'devminor');
  writeString(h, 345, 155, prefix, 'prefix');
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += h[i]!;
  writeString(h, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `, 'checksum');
  return h;
}

export function paddedSize(bytes: number): number {
  return Math.ceil(bytes / BLOCK) * BLOCK;
}

/** Total archive length: headers, padded data, and the two zero end blocks. */
export function tarSize(entries: readonly TarEntry[]): number {
  return entries.reduce((s, e) => s + BLOCK + paddedSize(e.bytes), 0) + 2 * BLOCK;
}
