import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { axialThumbnail } from './thumbnail.ts';

const [X, Y, Z] = [12, 10, 8];
const at = (x: number, y: number, z: number) => (z * Y + y) * X + x;

describe('axialThumbnail', () => {
  it('shows the axial slice through the tumour centroid, anterior at the top, the mask outlined in red', () => {
    const image = new Float32Array(X * Y * Z).map((_, i) => (i % X) / X); // brighter to the right
    const mask = new Uint8Array(X * Y * Z);
    // a 3x3 block in the front-right of slices 5 and 6 (centroid z = 5.5 -> 6)
    for (const z of [5, 6]) for (let y = 6; y <= 8; y++) for (let x = 8; x <= 10; x++) mask[at(x, y, z)] = 1;
    const t = axialThumbnail(image, mask, [X, Y, Z]);
    expect(t).toMatchObject({ sliceIndex: 6, maskVoxels: 18, sliceMaskVoxels: 9, width: X, height: Y });
    const png = PNG.sync.read(t.png);
    const px = (col: number, row: number) => Array.from(png.data.subarray((row * X + col) * 4, (row * X + col) * 4 + 3));
    // y = 8 (anterior) is row Y - 1 - 8 = 1; the block's edge voxels are pure outline red, its centre tinted
    expect(px(8, 1)).toEqual([255, 48, 48]);
    expect(px(9, 2)[0]).toBeGreaterThan(px(9, 2)[1]!); // interior: red-tinted grey
    expect(px(9, 2)).not.toEqual([255, 48, 48]);
    // outside the mask: grey, brighter to the right (x left to right)
    const left = px(1, 5);
    const right = px(6, 5);
    expect(left[0]).toBe(left[1]);
    expect(right[0]).toBeGreaterThan(left[0]!);
  });

  it('falls back to the middle slice for an empty mask, and refuses mismatched arrays', () => {
    const t = axialThumbnail(new Float32Array(X * Y * Z), new Uint8Array(X * Y * Z), [X, Y, Z]);
    expect(t).toMatchObject({ sliceIndex: 4, maskVoxels: 0, sliceMaskVoxels: 0 });
    expect(() => axialThumbnail(new Float32Array(5), new Uint8Array(X * Y * Z), [X, Y, Z])).toThrow(/must both have 12x10x8 = 960 voxels/);
  });
});
