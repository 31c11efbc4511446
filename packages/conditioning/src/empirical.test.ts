import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { empiricalSpec, fitEmpirical } from './empirical.ts';
import type { ReferenceInput } from './empirical.ts';
import { computeFeatures } from './features.ts';
import { compileSampler } from './sample.ts';
import { validateSpec } from './spec.ts';
import type { DistributionSpec } from './spec.ts';
import { ellipsoidMask, testModel } from './testing.ts';
import type { ShapeDhw } from './types.ts';
import { Rng } from './rng.ts';

// smooth ellipsoids are rounder (sphericity ~0.92) than the paper's tumours (<= 0.86): widen that range
const base = testModel();
const model = { ...base, trainingRanges: { ...base.trainingRanges, sphericity: [0.24, 0.99] as [number, number] } };
const grid: ShapeDhw = [64, 64, 64];

/** Reference tumours whose size and elongation are correlated: big ones are flat in z. */
function references(n: number): ReferenceInput[] {
  const rng = Rng.forKey(0, 2024, 0);
  return Array.from({ length: n }, (_, i) => {
    const r = 4 + 8 * rng.uniform();
    const flat = 1.4 - 0.05 * r; // radius 4 -> 1.2, radius 12 -> 0.8
    const mask = ellipsoidMask(grid, [30 + 4 * rng.uniform(), 28 + 6 * rng.uniform(), 24 + 12 * rng.uniform()], [r * flat, r, r * 1.1]);
    return { sha256: createHash('sha256').update(mask).digest('hex'), name: `case_${i}.nii.gz`, features: computeFeatures(mask, grid) };
  });
}

function corr(a: number[], b: number[]): number {
  const ma = a.reduce((s, x) => s + x, 0) / a.length, mb = b.reduce((s, x) => s + x, 0) / b.length;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

describe('empirical distribution', () => {
  const refs = references(30);
  const emp = fitEmpirical(refs, grid, [1, 1, 1], 0.25);
  const spec = empiricalSpec(emp, 'team references');

  it('keeps the source files (sha256) in the spec and validates', () => {
    expect(spec.empirical!.references.map((r) => r.sha256)).toEqual(refs.map((r) => r.sha256));
    expect(validateSpec(JSON.parse(JSON.stringify(spec)), model).ok).toBe(true);
  });
  it('keeps the joint structure (volume vs flatness) of the references', () => {
    const refVol = emp.references.map((r) => r.features[0]!);
    const refFlat = emp.references.map((r) => r.features[8]! / r.features[6]!);
    const s = compileSampler(spec, model);
    const vol: number[] = [], flat: number[] = [];
    for (let i = 0; i < 300; i++) {
      const v = s.sample(9, i).vector;
      if (!v) continue;
      vol.push(v[0] * model.maxVoxelCount);
      flat.push(v[8] / v[6]);
    }
    expect(vol.length).toBeGreaterThan(250);
    const cRef = corr(refVol, refFlat);
    const cSyn = corr(vol, flat);
    expect(cRef).toBeLessThan(-0.5);
    expect(cSyn).toBeLessThan(-0.3); // jitter blurs, but the relation survives
    // sampled volumes stay within the references' span (up to the kernel)
    expect(Math.min(...vol)).toBeGreaterThan(Math.min(...refVol) * 0.5);
    expect(Math.max(...vol)).toBeLessThan(Math.max(...refVol) * 2);
  });
  it('honours quotas by drawing from the references in each stratum', () => {
    const q: DistributionSpec = {
      ...spec,
      quotas: { feature: 'voxel_volume', strata: [{ name: 'small', min: 0, max: 0.1, fraction: 0.5 }, { name: 'large', min: 0.1, max: 2, fraction: 0.5 }] },
    };
    expect(validateSpec(q, model).ok).toBe(true);
    const s = compileSampler(q, model);
    let small = 0;
    for (let i = 0; i < 20; i++) {
      const d = s.sample(4, i, 20);
      expect(d.vector).not.toBeNull();
      if (d.stratum === 'small') {
        small++;
        expect(d.vector![0]).toBeLessThan(0.1);
      } else expect(d.vector![0]).toBeGreaterThanOrEqual(0.1);
    }
    expect(small).toBe(10);
    const impossible = { ...q, quotas: { feature: 'voxel_volume', strata: [{ name: 'huge', min: 0.9, max: 2, fraction: 1 }] } };
    const r = validateSpec(impossible, model);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]!.code).toBe('empty');
  });
  it('refuses empty masks and masks on another grid, naming the reference', () => {
    const empty = computeFeatures(new Uint8Array(64 * 64 * 64), grid);
    expect(() => fitEmpirical([{ sha256: 'a'.repeat(64), name: 'blank.nii.gz', features: empty }], grid, [1, 1, 1])).toThrow(/blank\.nii\.gz.*empty/);
    expect(() => fitEmpirical([refs[0]!], [32, 64, 64], [1, 1, 1])).toThrow(/resample/);
  });
});
