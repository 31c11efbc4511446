import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { permissionTableMarkdown } from '../src/auth/permission-table.ts';

const readme = fs.readFileSync(path.resolve(import.meta.dirname, '../../../README.md'), 'utf8');

describe('README', () => {
  it('documents the permission matrix exactly as the code defines it', () => {
    const m = /<!-- permissions:start -->\n([\s\S]*?)\n<!-- permissions:end -->/.exec(readme);
    expect(m, 'permission markers missing in README.md').not.toBeNull();
    expect(m![1]).toBe(permissionTableMarkdown());
  });

  it('documents every API configuration variable', async () => {
    const src = fs.readFileSync(path.resolve(import.meta.dirname, '../src/config.ts'), 'utf8');
    const vars = [...src.matchAll(/^\s+([A-Z][A-Z0-9_]+): (?:z|bool)/gm)].map((x) => x[1]!);
    expect(vars.length).toBeGreaterThan(8);
    for (const v of vars) expect(readme, v).toContain(`\`${v}\``);
  });
});
