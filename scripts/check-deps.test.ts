import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allWorkspaces, checkArchitectureTable, checkWorkspace } from './check-deps.ts';
import { root } from './workspaces.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'check-deps-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function workspace(name: string, pkg: object, files: Record<string, string>): string {
  const dir = path.join(tmp, name);
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), text);
  }
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `@slicewise/${name}`, ...pkg }));
  return dir;
}

describe('check-deps', () => {
  it('reports undeclared, unused and dev-only workspace dependencies', () => {
    const dir = workspace('w1', { dependencies: { '@slicewise/unused': '0.1.0' }, devDependencies: { '@slicewise/models': '0.1.0' } }, {
      'src/a.ts': "import { x } from '@slicewise/sampler';\nimport type { M } from '@slicewise/models';\nexport const y = x;\n",
      'src/a.test.ts': "import { z } from '@slicewise/db/testing';\n",
    });
    const messages = checkWorkspace(dir, 'w1').map((i) => i.message);
    expect(messages).toHaveLength(4);
    expect(messages).toContainEqual(expect.stringMatching(/imports @slicewise\/sampler \(src\/a\.ts\) .* add it to dependencies/));
    expect(messages).toContainEqual(expect.stringMatching(/imports @slicewise\/db \(src\/a\.test\.ts\) .* add it to devDependencies/));
    expect(messages).toContainEqual(expect.stringMatching(/production code imports @slicewise\/models .* only a devDependency/));
    expect(messages).toContainEqual(expect.stringMatching(/declares @slicewise\/unused but never imports it/));
  });

  it('reads real import specifiers only: not strings, comments or its own name', () => {
    const dir = workspace('w2', {}, {
      'src/b.ts': "// @slicewise/db is not imported here\nconst s = \"import { x } from '@slicewise/api'\";\nimport { self } from '@slicewise/w2/sub';\nexport { s, self };\n",
    });
    expect(checkWorkspace(dir, 'w2')).toEqual([]);
  });

  it('the architecture table must list exactly the declared workspace dependencies', () => {
    const md = '| `packages/datasets` | role | storage |\n';
    const issues = checkArchitectureTable(md, () => ({ dependencies: { '@slicewise/storage': '1', '@slicewise/nifti': '1' } }));
    expect(issues.find((i) => i.workspace === 'packages/datasets')!.message).toMatch(/\+nifti/);
    expect(issues.some((i) => /has no row/.test(i.message))).toBe(true);
  });

  it('this repository passes', () => {
    expect(allWorkspaces().length).toBeGreaterThan(10);
    const issues = allWorkspaces().flatMap((w) => checkWorkspace(path.join(root, w), w));
    expect(issues).toEqual([]);
    const table = checkArchitectureTable(fs.readFileSync(path.join(root, 'docs/architecture.md'), 'utf8'), (d) => JSON.parse(fs.readFileSync(path.join(root, d, 'package.json'), 'utf8')));
    expect(table).toEqual([]);
  });
});
