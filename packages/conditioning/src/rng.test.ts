import { describe, expect, it } from 'vitest';
import { Rng, normalCdf, normalQuantile, truncatedStandardNormal } from './rng.ts';

describe('Rng (counter-based xoshiro128**)', () => {
  it('golden first outputs: the same on every machine', () => {
    const r = Rng.forKey(1, 2, 3);
    const got = [r.nextU32(), r.nextU32(), r.nextU32()];
    // locked values: a change here changes every cohort ever generated
    expect(got).toEqual(GOLDEN);
  });
  it('xoshiro128** reference outputs for state {1, 2, 3, 4}', () => {
    const r = new Rng(1, 2, 3, 4);
    expect([r.nextU32(), r.nextU32(), r.nextU32(), r.nextU32(), r.nextU32()]).toEqual([11520, 0, 5927040, 70819200, 2031721883]);
  });
  it('depends on stream, seed and index, and nothing else', () => {
    const a = Rng.forKey(7, 123456789012, 5).uniform();
    expect(Rng.forKey(7, 123456789012, 5).uniform()).toBe(a);
    expect(Rng.forKey(7, 123456789012, 6).uniform()).not.toBe(a);
    expect(Rng.forKey(7, 123456789013, 5).uniform()).not.toBe(a);
    expect(Rng.forKey(8, 123456789012, 5).uniform()).not.toBe(a);
    // seeds differing only above 2^32 differ
    expect(Rng.forKey(7, 5 + 2 ** 32, 0).uniform()).not.toBe(Rng.forKey(7, 5, 0).uniform());
  });
  it('rejects seeds that are not non-negative safe integers', () => {
    expect(() => Rng.forKey(0, -1, 0)).toThrow(/seed/);
    expect(() => Rng.forKey(0, 1.5, 0)).toThrow(/seed/);
  });
  it('moments: uniform, normal, beta, truncated normal', () => {
    const r = Rng.forKey(0, 99, 0);
    const n = 40000;
    let su = 0, sn = 0, sn2 = 0, sb = 0, st = 0, bad = 0;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      if (!(u >= 0 && u < 1)) bad++;
      su += u;
      const z = r.normal();
      sn += z;
      sn2 += z * z;
      sb += r.beta(2, 5);
      const t = truncatedStandardNormal(r, 0, Infinity);
      if (!(t >= 0)) bad++;
      st += t;
    }
    expect(bad).toBe(0);
    expect(su / n).toBeCloseTo(0.5, 2);
    expect(sn / n).toBeCloseTo(0, 1);
    expect(sn2 / n).toBeCloseTo(1, 1);
    expect(sb / n).toBeCloseTo(2 / 7, 2);
    expect(st / n).toBeCloseTo(Math.sqrt(2 / Math.PI), 2);
  });
  it('normal CDF and quantile agree', () => {
    for (const x of [-6, -3, -1, 0, 0.5, 2, 5]) expect(normalQuantile(normalCdf(x))).toBeCloseTo(x, 4);
    expect(normalCdf(1.959963985)).toBeCloseTo(0.975, 6);
  });
  it('truncated normal stays inside far-tail intervals', () => {
    const r = Rng.forKey(0, 1, 1);
    let bad = 0;
    for (let i = 0; i < 1000; i++) {
      const t = truncatedStandardNormal(r, 8, 9);
      if (!(t >= 8 && t <= 9)) bad++;
      const s = truncatedStandardNormal(r, -9, -8.5);
      if (!(s >= -9 && s <= -8.5)) bad++;
    }
    expect(bad).toBe(0);
  });
});

const GOLDEN = [1414140827, 782965248, 2550566102];
