// The real metadata.json of the fixture model (written by models/training/sbldm/export.py).
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeBitpackedBase64, modelConditioningFromMetadata } from './model.ts';
import { physicalScale, previewDistribution } from './preview.ts';
import { bitpackBase64, testMetadata } from './testing.ts';

const path = new URL('../../../models/tiny-random/metadata.json', import.meta.url);

describe('models/tiny-random/metadata.json', () => {
  it.skipIf(!existsSync(path))('parses into ModelConditioning and previews a distribution', () => {
    const meta = JSON.parse(readFileSync(path, 'utf8'));
    const r = modelConditioningFromMetadata(meta);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const m = r.value;
    expect(m.volumeShapeDhw).toEqual(meta.volume.shape_dhw);
    expect(m.maxVoxelCount).toBe(meta.conditioning.normalisation.max_voxel_count);
    expect(m.trainingRanges.d).toEqual([meta.conditioning.ranges.min[8], meta.conditioning.ranges.max[8]]);
    expect(m.axisCodes).toEqual(['R', 'A', 'S']);
    expect(m.brainMask.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(m.empiricalSample.length).toBe(meta.conditioning.empirical_sample.length);
    const p = previewDistribution({ version: 1, kind: 'training' }, 200, 1, m);
    if (!p.ok) throw new Error(JSON.stringify(p.errors));
    expect(p.vectors.length).toBeGreaterThan(150);
  });
  it('bit-packed masks round-trip in numpy packbits order', () => {
    const m = Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0]);
    expect(Array.from(Buffer.from(bitpackBase64(m), 'base64'))).toEqual([0b10000001, 0b11000000]);
    expect(decodeBitpackedBase64(bitpackBase64(m), [1, 1, 11])).toEqual(m);
    expect(() => decodeBitpackedBase64('AAAA', [2, 2, 2])).toThrow(/expected ceil/);
  });
  it('physical units use the anatomy a voxel covers when the model declares it; sampling keeps the grid', () => {
    const grid = modelConditioningFromMetadata(testMetadata());
    const meta = testMetadata();
    meta.volume.anatomical_spacing_mm = [3, 3, 3];
    const anat = modelConditioningFromMetadata(meta);
    if (!grid.ok || !anat.ok) throw new Error('test metadata did not parse');
    expect(anat.value.spacingMm).toEqual([1, 1, 1]);
    expect(anat.value.anatomicalSpacingMm).toEqual([3, 3, 3]);
    // 20000 voxels of 27 mm^3 = 540 mL; of 1 mm^3 = 20 mL; a 64-voxel axis spans 192 mm
    expect(physicalScale(anat.value, 'voxel_volume').scale).toBeCloseTo(540, 10);
    expect(physicalScale(grid.value, 'voxel_volume').scale).toBeCloseTo(20, 10);
    expect(physicalScale(anat.value, 'x').scale).toBe(192);
    meta.volume.anatomical_spacing_mm = [3, 0, 3];
    const bad = modelConditioningFromMetadata(meta);
    expect(bad.ok ? [] : bad.errors.map((e) => e.path.join('.'))).toEqual(['volume.anatomical_spacing_mm']);
  });
});
