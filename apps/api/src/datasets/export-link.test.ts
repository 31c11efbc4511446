import { describe, expect, it } from 'vitest';
import { signExport, signFiles, verifyExport, verifyFiles } from './export-link.ts';

describe('export links', () => {
  const now = Date.UTC(2026, 11, 7);
  const expires = now / 1000 + 600;
  const sig = signExport('secret', 'version-1', expires);

  it('accepts its own unexpired signature only', () => {
    expect(verifyExport('secret', 'version-1', expires, sig, now)).toBe(true);
    expect(verifyExport('other secret', 'version-1', expires, sig, now)).toBe(false);
    expect(verifyExport('secret', 'version-2', expires, sig, now)).toBe(false);
    expect(verifyExport('secret', 'version-1', expires + 1, sig, now)).toBe(false);
    expect(verifyExport('secret', 'version-1', expires, sig, expires * 1000 + 1)).toBe(false);
    expect(verifyExport('secret', 'version-1', Number.NaN, sig, now)).toBe(false);
  });

  it('refuses (does not throw on) a signature with multibyte characters of the same UTF-16 length', () => {
    const forged = `${sig.slice(0, -1)}é`;
    expect(forged.length).toBe(sig.length);
    expect(verifyExport('secret', 'version-1', expires, forged, now)).toBe(false);
  });
});

describe('file links', () => {
  const now = Date.UTC(2026, 11, 7);
  const expires = now / 1000 + 3600;

  it('verify as file links only: an export signature does not open files, nor a files signature the export', () => {
    const files = signFiles('secret', 'version-1', expires);
    expect(verifyFiles('secret', 'version-1', expires, files, now)).toBe(true);
    expect(verifyFiles('secret', 'version-2', expires, files, now)).toBe(false);
    expect(verifyFiles('secret', 'version-1', expires, files, expires * 1000)).toBe(false);
    expect(verifyExport('secret', 'version-1', expires, files, now)).toBe(false);
    expect(verifyFiles('secret', 'version-1', expires, signExport('secret', 'version-1', expires), now)).toBe(false);
  });
});
