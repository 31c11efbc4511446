// Dependency lists are the boundary: every workspace declares exactly the workspace packages
// (@slicewise/*) its code imports, production code never imports one that is only a devDependency, and the
// "may import" column of docs/architecture.md matches the packages' declared workspace dependencies.
// Runs as part of `npm run lint`; scripts/check-deps.test.ts shows it failing.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { root } from './workspaces.ts';

const SCOPE = '@slicewise/';
const SKIP_DIRS = new Set(['node_modules', '.next', 'generated', 'dist', '.cache', 'coverage']);
/** Files that only tests, benchmarks and fixtures load: their imports may be devDependencies. */
const DEV_FILE = /(\.test\.tsx?$|(^|\/)(test|bench|testing)\/|test-support\.ts$|global-setup\.ts$|vitest\.config\.ts$)/;

export interface DepIssue {
  workspace: string;
  message: string;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) walk(path.join(d, e.name));
      } else if (/\.(ts|tsx|mts)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(path.join(d, e.name));
    }
  };
  walk(dir);
  return out;
}

/** Workspace packages imported by the files of one workspace (real import/export/require specifiers only). */
export function workspaceImports(dir: string, files = sourceFiles(dir)): Map<string, { prod: boolean; files: string[] }> {
  const found = new Map<string, { prod: boolean; files: string[] }>();
  for (const file of files) {
    const rel = path.relative(dir, file).split(path.sep).join('/');
    const info = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of info.importedFiles) {
      if (!fileName.startsWith(SCOPE)) continue;
      const name = fileName.split('/').slice(0, 2).join('/');
      const e = found.get(name) ?? { prod: false, files: [] };
      e.prod ||= !DEV_FILE.test(rel);
      e.files.push(rel);
      found.set(name, e);
    }
  }
  return found;
}

export function checkWorkspace(dir: string, label = path.relative(root, dir) || '.', files?: string[]): DepIssue[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
  const deps = new Set(Object.keys(pkg.dependencies ?? {}).filter((d) => d.startsWith(SCOPE)));
  const devDeps = new Set(Object.keys(pkg.devDependencies ?? {}).filter((d) => d.startsWith(SCOPE)));
  const imports = workspaceImports(dir, files);
  imports.delete(pkg.name ?? '');
  const issues: DepIssue[] = [];
  for (const [name, use] of imports) {
    if (!deps.has(name) && !devDeps.has(name)) {
      issues.push({ workspace: label, message: `imports ${name} (${use.files.slice(0, 3).join(', ')}) but package.json does not declare it: add it to ${use.prod ? 'dependencies' : 'devDependencies'}` });
    } else if (use.prod && !deps.has(name)) {
      issues.push({ workspace: label, message: `production code imports ${name} (${use.files.slice(0, 3).join(', ')}), which is only a devDependency: move it to dependencies` });
    }
  }
  for (const name of [...deps, ...devDeps]) {
    if (!imports.has(name)) issues.push({ workspace: label, message: `declares ${name} but never imports it: remove it from package.json` });
  }
  return issues;
}

export function allWorkspaces(): string[] {
  const rootPkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { workspaces: string[] };
  const dirs = rootPkg.workspaces.flatMap((w) =>
    w.endsWith('/*') ? fs.readdirSync(path.join(root, w.slice(0, -2))).map((n) => path.join(w.slice(0, -2), n)) : [w],
  );
  return dirs.filter((d) => fs.existsSync(path.join(root, d, 'package.json')));
}

/**
 * docs/architecture.md's package table: for each `packages/<x>` row, the workspace packages named in
 * its "may import" column must be exactly the package's declared workspace dependencies.
 */
export function checkArchitectureTable(markdown: string, readPkg: (dir: string) => { dependencies?: Record<string, string> }): DepIssue[] {
  const issues: DepIssue[] = [];
  const packageNames = new Set(fs.readdirSync(path.join(root, 'packages')));
  const rows = markdown.split('\n').filter((l) => /^\| `(packages|apps)\/[a-z-]+` \|/.test(l));
  const seen = new Set<string>();
  for (const row of rows) {
    const cells = row.split('|').map((c) => c.trim());
    const dir = cells[1]!.replace(/`/g, '');
    const mayImport = cells[cells.length - 2]!;
    seen.add(dir);
    const documented = new Set(mayImport.split(/[,;]\s*|\s+/).map((w) => w.replace(/[`().]/g, '')).filter((w) => packageNames.has(w)).map((w) => SCOPE + w));
    const declared = new Set(Object.keys(readPkg(dir).dependencies ?? {}).filter((d) => d.startsWith(SCOPE)));
    const missing = [...declared].filter((d) => !documented.has(d));
    const extra = [...documented].filter((d) => !declared.has(d));
    if (missing.length || extra.length) {
      issues.push({ workspace: dir, message: `docs/architecture.md says it may import "${mayImport}"; package.json dependencies differ (${[...missing.map((m) => `+${m.slice(SCOPE.length)}`), ...extra.map((e) => `-${e.slice(SCOPE.length)}`)].join(' ')})` });
    }
  }
  for (const p of packageNames) {
    if (fs.existsSync(path.join(root, 'packages', p, 'package.json')) && !seen.has(`packages/${p}`)) {
      issues.push({ workspace: `packages/${p}`, message: 'has no row in the package table of docs/architecture.md' });
    }
  }
  return issues;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // the root package's own code: scripts/ and the config files beside package.json
  const rootFiles = [...sourceFiles(path.join(root, 'scripts')), ...fs.readdirSync(root).filter((f) => /\.(ts|mts)$/.test(f)).map((f) => path.join(root, f))];
  const issues = [...allWorkspaces().flatMap((w) => checkWorkspace(path.join(root, w), w)), ...checkWorkspace(root, '(root)', rootFiles)];
  issues.push(...checkArchitectureTable(fs.readFileSync(path.join(root, 'docs/architecture.md'), 'utf8'), (dir) => JSON.parse(fs.readFileSync(path.join(root, dir, 'package.json'), 'utf8'))));
  for (const i of issues) process.stderr.write(`${i.workspace}: ${i.message}\n`);
  process.stdout.write(issues.length ? `check-deps: ${issues.length} problem(s)\n` : `check-deps: ${allWorkspaces().length} workspaces declare exactly what they import\n`);
  process.exit(issues.length ? 1 : 0);
}
