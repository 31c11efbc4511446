// largestComponent against the Python reference (fixtures/components.json, scripts/gen_component_fixtures.py)
// and on hand-made cases.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { largestComponent } from './components.ts';
import { rleDecode, rleEncode } from './rle.ts';
import type { ShapeDhw } from './types.ts';

interface Case { name: string; shapeDhw: ShapeDhw; rle: number[]; components: number; keptRle: number[]; keptVoxels: number; inputVoxels: number }
const doc = JSON.parse(readFileSync(new URL('../fixtures/components.json', import.meta.url), 'utf8')) as { cases: Case[] };

describe('largestComponent matches the Python reference', () => {
  it('has the fixture cases', () => expect(doc.cases.length).toBeGreaterThanOrEqual(5));
  for (const c of doc.cases) {
    it(c.name, () => {
      const input = rleDecode(c.rle, c.shapeDhw);
      const before = input.slice();
      const r = largestComponent(input, c.shapeDhw);
      expect(rleEncode(r.mask)).toEqual(c.keptRle);
      expect(r.components).toBe(c.components);
      expect(r.keptVoxels).toBe(c.keptVoxels);
      expect(r.removedVoxels).toBe(c.inputVoxels - c.keptVoxels);
      expect(input).toEqual(before); // input untouched
    });
  }
});

describe('largestComponent', () => {
  it('joins face neighbours along every axis and keeps the biggest island', () => {
    const shape: ShapeDhw = [3, 3, 3];
    const m = new Uint8Array(27);
    const at = (d: number, h: number, w: number) => d * 9 + h * 3 + w;
    for (const p of [at(0, 0, 0), at(1, 0, 0), at(1, 1, 0), at(1, 1, 1)]) m[p] = 1; // D, H and W steps: one island of 4
    m[at(2, 2, 2)] = 1; // touches (1,1,1) only at a corner: its own component under 6-connectivity
    const r = largestComponent(m, shape);
    expect(r.components).toBe(2);
    expect(r.keptVoxels).toBe(4);
    expect(r.mask[at(2, 2, 2)]).toBe(0);
  });
  it('rejects a mask of the wrong size, naming both sizes', () => {
    expect(() => largestComponent(new Uint8Array(7), [2, 2, 2])).toThrow(/7 voxels.*\[2,2,2\] needs 8/);
  });
});
