import { describe, expect, it } from 'vitest';
import { SamplerError } from './errors.ts';
import { createRng, drawNoise, philox4x32_10 } from './rng.ts';
import { loadFixture, maxAbsDiff } from './testing/fixtures.ts';

const fx = loadFixture();

describe('philox4x32_10', () => {
  it('matches the published Random123 known-answer vectors', () => {
    // Random123 kat_vectors, "philox4x32 10" lines: counter[4] key[2] -> output[4]
    const kat: [number[], number[], number[]][] = [
      [[0, 0, 0, 0], [0, 0], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]],
      [[0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]],
      [[0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0], [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]],
    ];
    for (const [c, k, want] of kat) {
      const out = new Uint32Array(4);
      philox4x32_10(c[0]!, c[1]!, c[2]!, c[3]!, k[0]!, k[1]!, out);
      expect([...out]).toEqual(want);
    }
    // and the Python implementation agrees (fixture)
    for (const { counter: c, key: k, output } of fx.philoxKat) {
      const out = new Uint32Array(4);
      philox4x32_10(c[0]!, c[1]!, c[2]!, c[3]!, k[0]!, k[1]!, out);
      expect([...out]).toEqual(output);
    }
  });
});

describe('PhiloxNormalRng', () => {
  it('reproduces the Python streams: keys and words bit-exact, normals to float64 rounding', () => {
    for (const s of fx.streams) {
      const rng = s.fork === null ? createRng(s.seed) : createRng(s.seed).fork(s.fork);
      expect([rng.key0, rng.key1]).toEqual(s.key);
      expect([...rng.uint32Words(0, 3)]).toEqual(s.words);
      expect(maxAbsDiff(rng.normal64(13), s.normal64)).toBeLessThan(1e-14);
    }
  });

  it('gives the same sequence however the draws are chunked', () => {
    const a = createRng(5);
    const chunks = [...a.normal(3), ...a.normal(1), ...a.normal(9), ...a.normal(4)];
    expect(chunks).toEqual([...createRng(5).normal(17)]);
    expect(a.position).toBe(17);
  });

  it('forks depend only on (seed, stream id), not on order or parent position', () => {
    const root = createRng(99);
    const s3 = root.fork(3).normal(8);
    root.normal(1000);
    const s12 = root.fork(12).normal(8);
    const again = createRng(99);
    expect([...again.fork(12).normal(8)]).toEqual([...s12]);
    expect([...again.fork(3).normal(8)]).toEqual([...s3]);
    expect(maxAbsDiff(s3, s12)).toBeGreaterThan(0.1);
    expect(maxAbsDiff(createRng(99).normal(8), s3)).toBeGreaterThan(0.1);
  });

  it('draws standard normals (mean 0, variance 1, symmetric tails)', () => {
    const z = createRng(2024).normal64(200_000);
    let m = 0;
    let v = 0;
    let beyond2 = 0;
    for (const x of z) m += x;
    m /= z.length;
    for (const x of z) {
      v += (x - m) ** 2;
      if (Math.abs(x) > 2) beyond2++;
    }
    v /= z.length - 1;
    expect(Math.abs(m)).toBeLessThan(0.01); // 4.5 sigma of the mean
    expect(Math.abs(v - 1)).toBeLessThan(0.015);
    expect(beyond2 / z.length).toBeCloseTo(0.0455, 2); // P(|z| > 2)
  });

  it('rejects seeds and ids that are not safe non-negative integers', () => {
    expect(() => createRng(-1)).toThrow(SamplerError);
    expect(() => createRng(1.5)).toThrow(/seed = 1.5 must be an integer in \[0, 2\^53-1\]/);
    expect(() => createRng(2 ** 53)).toThrow(SamplerError);
    expect(() => createRng(1).fork(Number.NaN)).toThrow(/streamId/);
  });

  it('drawNoise with per-item rngs fills each item from its own stream', () => {
    const noise = drawNoise([createRng(1).fork(0), createRng(1).fork(1)], 10);
    expect([...noise.subarray(5)]).toEqual([...createRng(1).fork(1).normal(5)]);
    expect(() => drawNoise([createRng(1), createRng(2), createRng(3)], 10)).toThrow(/3 per-item rngs/);
  });
});
