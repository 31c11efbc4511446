// The README's example spec must stay valid and sample cleanly.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { previewDistribution } from './preview.ts';
import { validateSpec } from './spec.ts';
import { testModel } from './testing.ts';

describe('README example', () => {
  it('validates and previews', () => {
    const md = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const block = /```json\n([\s\S]*?)```/.exec(md);
    expect(block).not.toBeNull();
    const spec = JSON.parse(block![1]!);
    const model = testModel();
    const v = validateSpec(spec, model);
    expect(v.errors).toEqual([]);
    const p = previewDistribution(spec, 100, 1, model);
    if (!p.ok) throw new Error(JSON.stringify(p.errors));
    expect(p.failed).toBe(0);
    expect(p.strata!.map((s) => s.count)).toEqual([30, 50, 20]);
  });
});
