// Text that PostgreSQL cannot store (NUL) or that is not Unicode (a lone UTF-16 surrogate, which
// JSON allows as "\ud800") is refused at the edge with the path of the offending value, instead
// of failing later in the database as a 500.

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why a string cannot be accepted, or null when it can. */
export function badText(s: string): string | null {
  if (s.includes('\u0000')) return 'contains a NUL character (U+0000), which text cannot hold';
  if (LONE_SURROGATE.test(s)) return 'is not valid Unicode (it holds a lone UTF-16 surrogate)';
  return null;
}

/** The first unacceptable string in a JSON-like value, with its path. */
export function findBadText(value: unknown, path: string[] = [], depth = 0): { path: string[]; reason: string } | null {
  if (depth > 64) return null;
  if (typeof value === 'string') {
    const reason = badText(value);
    return reason ? { path, reason } : null;
  }
  if (value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findBadText(value[i], [...path, String(i)], depth + 1);
      if (hit) return hit;
    }
    return null;
  }
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const keyReason = badText(k);
    if (keyReason) return { path: [...path, k], reason: `has a key that ${keyReason}` };
    const hit = findBadText(v, [...path, k], depth + 1);
    if (hit) return hit;
  }
  return null;
}
