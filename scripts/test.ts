// `npm test`: everything CI checks, in order, with one summary line at the end.
//   prerequisites -> lint -> typecheck -> vitest (all workspaces, real PostgreSQL) -> Python model tests ->
//   Python client tests (real API) -> e2e (when present)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { preflight, systemProbe } from './prerequisites.ts';
import { root } from './workspaces.ts';

/**
 * Before anything runs: the system packages the tests need (scripts/prerequisites.ts). Installed when this
 * is root with apt-get (CI, a fresh container); otherwise the run stops here with the one command to run.
 * `npm test -- --preflight-only` does only this.
 */
function ensurePrerequisites(): void {
  process.stdout.write('=== prerequisites ===\n');
  const r = preflight(systemProbe(), (s) => process.stdout.write(s));
  if (!r.ok) {
    process.stderr.write(`\n${r.message}`);
    process.exit(1);
  }
  process.stdout.write(r.installed.length ? `installed: ${r.installed.join(' ')}\n` : 'all present\n');
  if (process.argv.includes('--preflight-only')) process.exit(0);
}
ensurePrerequisites();

interface StepResult {
  name: string;
  ok: boolean;
  seconds: number;
  passed: number;
  failed: number;
  skipped: number;
  /** Names and first message lines of failed tests, repeated in the summary (CI often shows only the tail). */
  failures?: string[];
}
const results: StepResult[] = [];

function step(name: string, cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; count?: () => Omit<StepResult, 'name' | 'ok' | 'seconds'> } = {}) {
  process.stdout.write(`\n=== ${name} ===\n`);
  const t = Date.now();
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? root, env: { ...process.env, ...opts.env }, stdio: 'inherit' });
  const counts = opts.count?.() ?? { passed: r.status === 0 ? 1 : 0, failed: r.status === 0 ? 0 : 1, skipped: 0 };
  results.push({ name, ok: r.status === 0, seconds: (Date.now() - t) / 1000, ...counts });
}

const node = process.execPath;
const bin = (p: string) => path.join(root, 'node_modules', p);

step('lint', node, [bin('eslint/bin/eslint.js'), '.']);
step('dependency boundaries', node, [bin('tsx/dist/cli.mjs'), 'scripts/check-deps.ts']);
step('typecheck', node, [bin('tsx/dist/cli.mjs'), 'scripts/typecheck.ts']);

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  numFailedTestSuites?: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults: { name: string; status: string; message?: string; assertionResults: { fullName: string; status: string; failureMessages?: string[] }[] }[];
}

function firstLine(s: string | undefined): string {
  return (s ?? '').split('\n').find((l) => l.trim() !== '')?.trim().slice(0, 300) ?? '';
}

function vitestFailures(j: VitestJson): string[] {
  const out: string[] = [];
  for (const file of j.testResults) {
    const rel = path.relative(root, file.name);
    const failed = file.assertionResults.filter((a) => a.status === 'failed');
    for (const a of failed) out.push(`${rel} > ${a.fullName}: ${firstLine(a.failureMessages?.[0])}`);
    if (file.status === 'failed' && failed.length === 0) out.push(`${rel}: ${firstLine(file.message)}`);
  }
  return out;
}

/** Runs vitest with a JSON report next to the console output, and counts its tests. */
function vitestStep(name: string, extraArgs: string[]) {
  const json = path.join(os.tmpdir(), `slicewise-vitest-${process.pid}-${results.length}.json`);
  step(name, node, [bin('vitest/vitest.mjs'), 'run', ...extraArgs, '--reporter=default', '--reporter=json', `--outputFile.json=${json}`], {
    count: () => {
      try {
        const j = JSON.parse(fs.readFileSync(json, 'utf8')) as VitestJson;
        return { passed: j.numPassedTests, failed: j.numFailedTests + (j.numFailedTestSuites ?? 0), skipped: j.numPendingTests + j.numTodoTests, failures: vitestFailures(j) };
      } catch {
        return { passed: 0, failed: 1, skipped: 0 };
      }
    },
  });
}

vitestStep('unit + integration (vitest)', []);

// Python side of the model (training smoke run, feature and sampler parity) when PyTorch is installed.
const py = '/usr/bin/python3';

/** Passed / failed / skipped of a pytest run, from its JUnit XML (a missing or unreadable report is a failure). */
function pytestCounts(junit: string): { passed: number; failed: number; skipped: number } {
  try {
    const m = /<testsuite[^>]*errors="(\d+)"[^>]*failures="(\d+)"[^>]*skipped="(\d+)"[^>]*tests="(\d+)"/.exec(fs.readFileSync(junit, 'utf8'));
    if (!m) return { passed: 0, failed: 1, skipped: 0 };
    const [errors, failures, skipped, tests] = m.slice(1).map(Number) as [number, number, number, number];
    return { passed: tests - errors - failures - skipped, failed: errors + failures, skipped };
  } catch {
    return { passed: 0, failed: 1, skipped: 0 };
  }
}

const hasTorch = fs.existsSync(py) && spawnSync(py, ['-c', 'import torch, pytest'], { stdio: 'ignore' }).status === 0;
if (hasTorch && fs.existsSync(path.join(root, 'models/training/tests'))) {
  const junit = path.join(os.tmpdir(), `slicewise-pytest-${process.pid}.xml`);
  step('model training and parity (pytest)', py, ['-m', 'pytest', 'models/training/tests', '-q', '-p', 'no:cacheprovider', `--junitxml=${junit}`], {
    count: () => pytestCounts(junit),
  });
} else {
  process.stdout.write('\n(python3-torch/pytest not installed: model tests skipped; .ci/run installs them)\n');
}

// Python client (clients/python) against a real API, worker and published versions that its test run
// starts (clients/python/tests/stack.ts, with this Node); the torch tests need python3-torch and nibabel.
const pyClientTests = path.join(root, 'clients/python/tests');
const hasPytest = fs.existsSync(py) && spawnSync(py, ['-c', 'import pytest'], { stdio: 'ignore' }).status === 0;
if (hasPytest && fs.existsSync(pyClientTests)) {
  const junit = path.join(os.tmpdir(), `slicewise-pytest-client-${process.pid}.xml`);
  step('Python client (pytest, real API)', py, ['-m', 'pytest', 'clients/python/tests', '-q', '-p', 'no:cacheprovider', `--junitxml=${junit}`], {
    env: { SLICEWISE_NODE: node },
    count: () => pytestCounts(junit),
  });
} else {
  process.stdout.write('\n(python3 with pytest not found: Python client tests skipped; .ci/run installs it)\n');
}

if (fs.existsSync(path.join(root, 'e2e/vitest.config.ts'))) {
  vitestStep('end-to-end (Chromium)', ['--config', 'e2e/vitest.config.ts']);
}

process.stdout.write('\n=== summary ===\n');
for (const r of results) {
  process.stdout.write(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name.padEnd(38)} ${r.seconds.toFixed(1).padStart(6)} s  ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped\n`);
}
for (const r of results) {
  for (const f of r.failures ?? []) process.stdout.write(`  failed: ${f}\n`);
}
const passed = results.reduce((a, r) => a + r.passed, 0);
const failed = results.reduce((a, r) => a + r.failed, 0) + results.filter((r) => !r.ok && r.failed === 0).length;
const skipped = results.reduce((a, r) => a + r.skipped, 0);
process.stdout.write(`${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exit(failed > 0 || results.some((r) => !r.ok) ? 1 : 0);
