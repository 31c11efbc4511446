import { describe, expect, it } from 'vitest';
import { type Affine, makeCenteredRasAffine } from './affine.ts';
import { resampleToGrid } from './resample.ts';

const diag = (sx: number, sy: number, sz: number, t: [number, number, number] = [0, 0, 0]): Affine => [
  [sx, 0, 0, t[0]],
  [0, sy, 0, t[1]],
  [0, 0, sz, t[2]],
  [0, 0, 0, 1],
];

/** value = x + 10 y + 100 z at voxel (x, y, z), flat x fastest */
function ramp(dims: [number, number, number]): Float32Array {
  const [X, Y, Z] = dims;
  const out = new Float32Array(X * Y * Z);
  for (let z = 0; z < Z; z++) for (let y = 0; y < Y; y++) for (let x = 0; x < X; x++) out[x + X * (y + Y * z)] = x + 10 * y + 100 * z;
  return out;
}
const at = (a: ArrayLike<number>, dims: number[], x: number, y: number, z: number): number => a[x + dims[0]! * (y + dims[1]! * z)]!;

describe('resampleToGrid', () => {
  it('identity grid returns the input (nearest and linear)', () => {
    const src = ramp([4, 3, 2]);
    const A = makeCenteredRasAffine([4, 3, 2], [1, 2, 3]);
    expect([...resampleToGrid(src, A, [4, 3, 2], A, [4, 3, 2], { interpolation: 'nearest' })]).toEqual([...src]);
    expect([...resampleToGrid(src, A, [4, 3, 2], A, [4, 3, 2], { interpolation: 'linear' })]).toEqual([...src]);
  });

  it('a flipped x axis reverses rows', () => {
    const src = ramp([4, 2, 2]);
    const flipX: Affine = [
      [-1, 0, 0, 3],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ];
    const out = resampleToGrid(src, diag(1, 1, 1), [4, 2, 2], flipX, [4, 2, 2], { interpolation: 'nearest' });
    expect([...out.subarray(0, 4)]).toEqual([3, 2, 1, 0]);
    expect(at(out, [4, 2, 2], 0, 1, 1)).toBe(113);
  });

  it('2x downsampling of centred grids: linear averages neighbours, nearest takes the upper one', () => {
    const src = ramp([4, 4, 4]);
    const sA = makeCenteredRasAffine([4, 4, 4], [1, 1, 1]); // centres at -1.5 .. 1.5
    const dA = makeCenteredRasAffine([2, 2, 2], [2, 2, 2]); // centres at -1, 1 -> source 0.5, 2.5
    const lin = resampleToGrid(src, sA, [4, 4, 4], dA, [2, 2, 2], { interpolation: 'linear' });
    expect(lin).toBeInstanceOf(Float32Array);
    expect(at(lin, [2, 2, 2], 0, 0, 0)).toBeCloseTo(0.5 + 5 + 50, 5);
    expect(at(lin, [2, 2, 2], 1, 1, 1)).toBeCloseTo(2.5 + 25 + 250, 5);
    const near = resampleToGrid(src, sA, [4, 4, 4], dA, [2, 2, 2], { interpolation: 'nearest' });
    expect(at(near, [2, 2, 2], 0, 0, 0)).toBe(111);
    expect(at(near, [2, 2, 2], 1, 0, 1)).toBe(3 + 10 + 300);
  });

  it('anisotropic grids: source spacing [1, 2, 3], destination [2, 1, 1.5]', () => {
    const src = ramp([4, 3, 2]); // world = (x, 2y, 3z)
    const dims = [2, 5, 3];
    const lin = resampleToGrid(src, diag(1, 2, 3), [4, 3, 2], diag(2, 1, 1.5), dims, { interpolation: 'linear' });
    // destination (i, j, k) -> world (2i, j, 1.5k) -> source (2i, j/2, k/2)
    expect(at(lin, dims, 1, 3, 1)).toBeCloseTo(2 + 15 + 50, 5);
    expect(at(lin, dims, 1, 4, 2)).toBeCloseTo(2 + 20 + 100, 5);
    expect(at(lin, dims, 0, 1, 0)).toBeCloseTo(5, 5);
    const near = resampleToGrid(src, diag(1, 2, 3), [4, 3, 2], diag(2, 1, 1.5), dims, { interpolation: 'nearest' });
    expect(at(near, dims, 0, 1, 1)).toBe(110); // source (0, 0.5, 0.5): ties up -> (0, 1, 1)
    expect(at(near, dims, 1, 2, 0)).toBe(2 + 10);
  });

  it('labels keep their array type; points outside the source get the fill value', () => {
    const mask = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const out = resampleToGrid(mask, diag(1, 1, 1), [2, 2, 2], diag(1, 1, 1, [1, 0, 0]), [2, 2, 2], { interpolation: 'nearest' });
    expect(out).toBeInstanceOf(Uint8Array);
    expect([...out]).toEqual([2, 0, 4, 0, 6, 0, 8, 0]); // shifted by one voxel in x; x = 2 is outside
    const far = resampleToGrid(ramp([2, 2, 2]), diag(1, 1, 1), [2, 2, 2], diag(1, 1, 1, [10, 0, 0]), [2, 2, 2], {
      interpolation: 'linear',
      fill: -1,
    });
    expect([...far]).toEqual(new Array(8).fill(-1));
  });

  it('linear interpolation does not darken the half voxel at the border', () => {
    const ones = new Float32Array(8).fill(1);
    // destination centres at source -0.25 and 1.25 along x: inside the source support
    const out = resampleToGrid(ones, diag(1, 1, 1), [2, 2, 2], diag(1.5, 1, 1, [-0.25, 0, 0]), [2, 2, 2], { interpolation: 'linear' });
    expect([...out]).toEqual(new Array(8).fill(1));
  });

  it('refuses wrong lengths, dims and singular affines', () => {
    const A = diag(1, 1, 1);
    expect(() => resampleToGrid(new Float32Array(7), A, [2, 2, 2], A, [2, 2, 2], { interpolation: 'linear' })).toThrow(/7 values/);
    expect(() => resampleToGrid(new Float32Array(8), A, [2, 2, 2], A, [2, 2], { interpolation: 'linear' })).toThrow(/dstDims/);
    expect(() => resampleToGrid(new Float32Array(8), diag(1, 0, 1), [2, 2, 2], A, [2, 2, 2], { interpolation: 'linear' })).toThrow(
      /singular/,
    );
    expect(() => resampleToGrid(new Float32Array(8), A, [2, 2, 2], A, [2, 2, 2], { interpolation: 'cubic' as never })).toThrow(
      /allowed: 'nearest', 'linear'/,
    );
  });
});
