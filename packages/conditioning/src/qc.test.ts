// QC measurements against the Python reference (fixtures/qc.json, scripts/gen_qc_fixtures.py) and hand-made cases.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { brainOutline, brainOutlineDice, diceBinary, fillHoles, inBrainPercentiles, percentilesLinear } from './qc.ts';
import { rleDecode, rleEncode } from './rle.ts';
import type { ShapeDhw } from './types.ts';

interface Case {
  name: string; shapeDhw: ShapeDhw; threshold: number; image: number[]; brainMaskRle: number[]; outlineRle: number[]; dice: number;
  percentiles: number[]; tumourMaskRle: number[]; percentilesWithoutTumour: number[];
}
const doc = JSON.parse(readFileSync(new URL('../fixtures/qc.json', import.meta.url), 'utf8')) as { percentiles: number[]; cases: Case[] };

describe('QC measurements match the Python reference', () => {
  it('has the fixture cases, some where excluding the tumour changes the percentiles', () => {
    expect(doc.cases.length).toBeGreaterThanOrEqual(5);
    expect(doc.cases.some((c) => JSON.stringify(c.percentiles) !== JSON.stringify(c.percentilesWithoutTumour))).toBe(true);
  });
  for (const c of doc.cases) {
    it(c.name, () => {
      const image = Float32Array.from(c.image);
      const brain = rleDecode(c.brainMaskRle, c.shapeDhw);
      expect(rleEncode(brainOutline(image, c.shapeDhw, c.threshold))).toEqual(c.outlineRle);
      expect(brainOutlineDice(image, c.shapeDhw, brain, c.threshold)).toBe(c.dice);
      expect(inBrainPercentiles(image, c.shapeDhw, brain, doc.percentiles)).toEqual(c.percentiles);
      const tumour = rleDecode(c.tumourMaskRle, c.shapeDhw);
      expect(inBrainPercentiles(image, c.shapeDhw, brain, doc.percentiles, tumour)).toEqual(c.percentilesWithoutTumour);
    });
  }
});

describe('QC measurements', () => {
  it('fills a cavity but not a dent open to the border', () => {
    const shape: ShapeDhw = [5, 5, 5];
    const m = new Uint8Array(125).fill(1);
    const at = (d: number, h: number, w: number) => d * 25 + h * 5 + w;
    m[at(2, 2, 2)] = 0; // enclosed
    m[at(0, 2, 2)] = 0; // on the border
    const f = fillHoles(m, shape);
    expect(f[at(2, 2, 2)]).toBe(1);
    expect(f[at(0, 2, 2)]).toBe(0);
  });
  it('Dice is 1 for two empty masks and 0 for disjoint ones', () => {
    expect(diceBinary(new Uint8Array(4), new Uint8Array(4))).toBe(1);
    expect(diceBinary([1, 0], [0, 1])).toBe(0);
  });
  it('percentiles interpolate linearly between ranks (numpy default)', () => {
    expect(percentilesLinear([4, 1, 3, 2], [0, 50, 100, 25])).toEqual([1, 2.5, 4, 1.75]);
    expect(() => percentilesLinear([], [50])).toThrow(/empty set/);
    expect(() => percentilesLinear([1], [101])).toThrow(/\[0, 100\], got 101/);
  });
  it('rejects arrays that do not match the shape, naming both sizes', () => {
    expect(() => brainOutlineDice(new Float32Array(7), [2, 2, 2], new Uint8Array(8), -0.7)).toThrow(/image has 7 voxels.*needs 8/);
    expect(() => inBrainPercentiles(new Float32Array(8), [2, 2, 2], new Uint8Array(9), [50])).toThrow(/brainMask has 9 voxels/);
    expect(() => inBrainPercentiles(new Float32Array(8), [2, 2, 2], new Uint8Array(8), [50], new Uint8Array(3))).toThrow(/excludeMask has 3 voxels/);
  });
});
