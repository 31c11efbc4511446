// The real metadata.json of the fixture model (written by models/training/sbldm/export.py).
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeBitpackedBase64, modelConditioningFromMetadata } from './model.ts';
import { previewDistribution } from './preview.ts';
import { bitpackBase64 } from './testing.ts';

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
});
