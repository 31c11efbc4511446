import { describe, expect, it } from 'vitest';
import { dice, maxAbsDiff } from './replay.ts';

describe('replay comparisons', () => {
  it('maxAbsDiff', () => {
    expect(maxAbsDiff([0, 1, 2], [0, 1, 2])).toBe(0);
    expect(maxAbsDiff(Float32Array.from([0, 1, -2]), Float32Array.from([0.5, 1, -2.25]))).toBe(0.5);
    expect(Number.isNaN(maxAbsDiff([0, NaN], [0, 1]))).toBe(true);
    expect(() => maxAbsDiff([1], [1, 2])).toThrow(/1 and 2 voxels/);
  });
  it('dice', () => {
    expect(dice([0, 0], [0, 0])).toBe(1);
    expect(dice([1, 1, 0, 0], [1, 0, 1, 0])).toBe(0.5);
    expect(dice([1, 0], [0, 1])).toBe(0);
  });
});
