// TypeScript against the Python reference: fixtures/features.json is written by
// scripts/gen_fixtures.py from models/training/sbldm (features.py, spatial.py).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { computeFeatures, marchingCubesArea } from './features.ts';
import { rleDecode, rleEncode } from './rle.ts';
import { renderSpatialCondition } from './spatial.ts';
import type { ShapeDhw, SpacingMm } from './types.ts';

interface PyFeatures {
  empty: boolean;
  raw: {
    voxel_count: number; surface_area_vox: number; sphericity: number;
    com_x: number; com_y: number; com_z: number; w: number; h: number; d: number;
    com_vox: number[]; extents_vox: number[]; shape_dhw: number[];
  };
  normalised: number[] | null;
  physical: { volume_ml: number; surface_area_mm2: number; sphericity: number; centroid_mm: number[]; extents_mm: number[] };
}
interface Case {
  name: string; shapeDhw: ShapeDhw; spacingMm: SpacingMm; rle: number[]; expected: PyFeatures;
  spatial: { latentShapeDhw: ShapeDhw; sharpness: number; float32Base64: string }[];
}
const doc = JSON.parse(readFileSync(new URL('../fixtures/features.json', import.meta.url), 'utf8')) as {
  maxVoxelCount: number; maxSurfaceArea: number; cases: Case[];
};

const REL = 1e-4;
function close(got: number, want: number, what: string): void {
  expect(Number.isFinite(got), `${what} finite`).toBe(true);
  expect(Math.abs(got - want), `${what}: got ${got}, want ${want}`).toBeLessThanOrEqual(REL * Math.max(Math.abs(want), 1e-12));
}
function closeAll(got: readonly number[], want: readonly number[], what: string): void {
  expect(got.length, what).toBe(want.length);
  got.forEach((g, i) => close(g, want[i]!, `${what}[${i}]`));
}

describe('parity with Python (fixtures/features.json)', () => {
  it('has the fixture kinds the contract asks for', () => {
    const names = doc.cases.map((c) => c.name);
    for (const n of ['sphere_r8_24cube', 'irregular_blob_a', 'one_voxel', 'touching_border', 'empty']) expect(names).toContain(n);
  });
  for (const c of doc.cases) {
    it(`features: ${c.name}`, () => {
      const mask = rleDecode(c.rle, c.shapeDhw);
      expect(rleEncode(mask)).toEqual(c.rle);
      const f = computeFeatures(mask, c.shapeDhw, c.spacingMm, { maxVoxelCount: doc.maxVoxelCount, maxSurfaceArea: doc.maxSurfaceArea });
      const e = c.expected;
      expect(f.empty).toBe(e.empty);
      close(f.raw.voxelCount, e.raw.voxel_count, 'voxelCount');
      close(f.raw.surfaceAreaVox, e.raw.surface_area_vox, 'surfaceAreaVox');
      close(f.raw.sphericity, e.raw.sphericity, 'sphericity');
      closeAll([f.raw.comX, f.raw.comY, f.raw.comZ, f.raw.w, f.raw.h, f.raw.d],
        [e.raw.com_x, e.raw.com_y, e.raw.com_z, e.raw.w, e.raw.h, e.raw.d], 'relative');
      closeAll(f.raw.comVox, e.raw.com_vox, 'comVox');
      closeAll(f.raw.extentsVox, e.raw.extents_vox, 'extentsVox');
      expect(f.raw.shapeDhw).toEqual(e.raw.shape_dhw);
      closeAll(f.normalised!, e.normalised!, 'normalised');
      close(f.physical.volumeMl, e.physical.volume_ml, 'volumeMl');
      close(f.physical.surfaceAreaMm2, e.physical.surface_area_mm2, 'surfaceAreaMm2');
      close(f.physical.sphericity, e.physical.sphericity, 'physical sphericity');
      closeAll(f.physical.centroidMm, e.physical.centroid_mm, 'centroidMm');
      closeAll(f.physical.extentsMm, e.physical.extents_mm, 'extentsMm');
    });
    it(`spatial channel: ${c.name}`, () => {
      for (const sp of c.spatial) {
        const ch = renderSpatialCondition(c.expected.normalised!, sp.latentShapeDhw, sp.sharpness);
        const b = Buffer.from(sp.float32Base64, 'base64');
        const want = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
        expect(ch.length).toBe(want.length);
        let worst = 0;
        let differ = 0;
        for (let i = 0; i < ch.length; i++) {
          worst = Math.max(worst, Math.abs(ch[i]! - want[i]!));
          if (ch[i] !== want[i]) differ++;
        }
        expect(worst).toBeLessThanOrEqual(1e-6); // the contract (SPEC.md)
        // and in fact bit-compatible: the float32 values equal numpy's exactly
        expect(differ).toBe(0);
      }
    });
  }
});

describe('features: golden values and axis conventions', () => {
  it('one voxel is an octahedron of area sqrt(3) (x spacing^2)', () => {
    const shape: ShapeDhw = [5, 6, 7];
    const m = new Uint8Array(5 * 6 * 7);
    m[1 * 42 + 2 * 7 + 3] = 1; // [k=1, j=2, i=3]
    const f = computeFeatures(m, shape, [2, 2, 2], { maxVoxelCount: 10, maxSurfaceArea: 10 });
    expect(f.raw.surfaceAreaVox).toBeCloseTo(Math.sqrt(3), 12);
    expect(f.physical.surfaceAreaMm2).toBeCloseTo(4 * Math.sqrt(3), 12);
    expect(f.normalised!.slice(3)).toEqual([3.5 / 7, 2.5 / 6, 1.5 / 5, 1 / 7, 1 / 6, 1 / 5]);
  });
  it('x runs along W (fastest), z along D', () => {
    const shape: ShapeDhw = [10, 20, 40];
    const m = new Uint8Array(10 * 20 * 40);
    for (let k = 2; k < 4; k++) for (let j = 5; j < 15; j++) for (let i = 30; i < 40; i++) m[k * 800 + j * 40 + i] = 1;
    const f = computeFeatures(m, shape);
    expect(f.raw.extentsVox).toEqual([10, 10, 2]);
    expect([f.raw.w, f.raw.h, f.raw.d]).toEqual([0.25, 0.5, 0.2]);
    expect(f.raw.comX).toBeCloseTo(35 / 40, 12);
  });
  it('empty mask gives zeros, never NaN', () => {
    const f = computeFeatures(new Uint8Array(64), [4, 4, 4], [1, 1, 1], { maxVoxelCount: 1, maxSurfaceArea: 1 });
    expect(f.empty).toBe(true);
    expect(f.normalised).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(marchingCubesArea(new Uint8Array(8), [2, 2, 2])).toBe(0);
    expect(Array.from(renderSpatialCondition(f.normalised!, [2, 2, 2])).every((v) => v === 0)).toBe(true);
  });
  it('rejects bad input with the field named', () => {
    expect(() => computeFeatures(new Uint8Array(7), [2, 2, 2])).toThrow(/mask length 7/);
    expect(() => computeFeatures(new Uint8Array(8), [2, 2, 2], [1, 0, 1])).toThrow(/spacingMm/);
    expect(() => computeFeatures(new Uint8Array(8), [2, 2, 2], [1, 1, 1], { maxVoxelCount: NaN, maxSurfaceArea: 1 })).toThrow(/maxVoxelCount/);
  });
});
