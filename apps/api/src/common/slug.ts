/** A URL-safe slug from a display name ("Glioma Lab #2" -> "glioma-lab-2"). */
export function slugify(name: string): string {
  const s = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48);
  return s || 'untitled';
}

/** The first of slug, slug-2, slug-3 ... that `taken` says is free. */
export async function uniqueSlug(base: string, taken: (s: string) => Promise<boolean>): Promise<string> {
  for (let i = 1; i < 1000; i++) {
    const candidate = i === 1 ? base : `${base}-${i}`;
    if (!(await taken(candidate))) return candidate;
  }
  throw new Error(`no free slug for ${base}`);
}
