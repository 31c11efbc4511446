import { describe, expect, it } from 'vitest';
import { type Affine, affineToQuatern, invertAffine, makeCenteredRasAffine, multiply4, quaternToAffine } from './affine.ts';

function rotation(ax: number, ay: number, az: number): number[][] {
  const [cx, sx, cy, sy, cz, sz] = [Math.cos(ax), Math.sin(ax), Math.cos(ay), Math.sin(ay), Math.cos(az), Math.sin(az)];
  const Rx = [[1, 0, 0], [0, cx, -sx], [0, sx, cx]];
  const Ry = [[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]];
  const Rz = [[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]];
  const mul = (a: number[][], b: number[][]): number[][] => a.map((r) => [0, 1, 2].map((c) => r[0]! * b[0]![c]! + r[1]! * b[1]![c]! + r[2]! * b[2]![c]!));
  return mul(Rz, mul(Ry, Rx));
}

function compose(R: number[][], zooms: number[], t: number[], flip: boolean): Affine {
  const s = [zooms[0]!, zooms[1]!, flip ? -zooms[2]! : zooms[2]!];
  return [...R.map((row, r) => [row[0]! * s[0]!, row[1]! * s[1]!, row[2]! * s[2]!, t[r]!]), [0, 0, 0, 1]];
}

describe('affines', () => {
  it('affine -> quaternion -> affine round-trips rotations, including 180-degree turns and flips', () => {
    const angles: [number, number, number][] = [
      [0, 0, 0],
      [0.3, -0.2, 1.1],
      [Math.PI, 0, 0], // trace -1: the non-"a" branch
      [0, Math.PI, 0],
      [0, 0, Math.PI],
      [2.5, 1.2, -2.9],
    ];
    for (const [ax, ay, az] of angles) {
      for (const flip of [false, true]) {
        const A = compose(rotation(ax, ay, az), [0.8, 1.2, 2.5], [10, -5, 3], flip);
        const q = affineToQuatern(A)!;
        expect(q.qfac).toBe(flip ? -1 : 1);
        const back = quaternToAffine(q.b, q.c, q.d, q.qoffset, q.pixdim, q.qfac);
        for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) expect(back[r]![c]!).toBeCloseTo(A[r]![c]!, 12);
      }
    }
  });

  it('a sheared affine has no quaternion', () => {
    expect(affineToQuatern([[1, 0.3, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])).toBeUndefined();
  });

  it('invertAffine is the inverse', () => {
    const A = compose(rotation(0.4, 0.1, -0.7), [1, 2, 3], [4, 5, 6], true);
    const I = multiply4(invertAffine(A), A);
    for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) expect(I[r]![c]!).toBeCloseTo(r === c ? 1 : 0, 12);
  });

  it('centred RAS affine puts the volume centre at the origin', () => {
    const A = makeCenteredRasAffine([64, 64, 32], [1, 1, 2]);
    expect(A[0]![3]! + 31.5 * A[0]![0]!).toBe(0);
    expect(A[2]![3]).toBe(-31);
    expect(() => makeCenteredRasAffine([64, 64], [1, 1, 1])).toThrow(/dimsXYZ/);
    expect(() => makeCenteredRasAffine([4, 4, 4], [1, 0, 1])).toThrow(/spacingMm = \[1, 0, 1\]/);
  });
});
