// The preflight of `npm test`, both ways: with a probe that simulates machines (missing parts, root or
// not, apt-get or not), and by running scripts/test.ts itself to see that it stops before any test.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PYTHON_MODULES, installCommand, missingPrerequisites, preflight, systemProbe, type Probe } from './prerequisites.ts';
import { root } from './workspaces.ts';

/** A simulated machine: `installed` holds what exists; apt-get installs what it is asked for. */
function machine(opts: { chromium?: boolean; modules?: string[]; isRoot?: boolean; hasAptGet?: boolean; aptWorks?: boolean; installPolicy?: 'auto' | 'never' }) {
  const installed = new Set<string>([...(opts.chromium ? ['chromium'] : []), ...(opts.modules ?? [...PYTHON_MODULES]).map((m) => `py:${m}`)]);
  const calls: string[] = [];
  const probe: Probe = {
    chromiumPath: '/usr/bin/chromium',
    fileExists: () => installed.has('chromium'),
    missingPythonModules: (mods) => mods.filter((m) => !installed.has(`py:${m}`)),
    isRoot: opts.isRoot ?? false,
    hasAptGet: opts.hasAptGet ?? true,
    installPolicy: opts.installPolicy ?? 'auto',
    run(cmd, args) {
      calls.push([cmd, ...args].join(' '));
      if (opts.aptWorks === false) return 100;
      if (args[0] === 'install') {
        for (const pkg of args.slice(1).filter((a) => !a.startsWith('-'))) {
          if (pkg === 'chromium') installed.add('chromium');
          if (pkg.startsWith('python3-')) installed.add(`py:${pkg.slice('python3-'.length)}`);
        }
      }
      return 0;
    },
  };
  return { probe, calls };
}

describe('preflight', () => {
  it('everything present: runs on, installs nothing', () => {
    const m = machine({ chromium: true, isRoot: true });
    expect(preflight(m.probe, () => {})).toEqual({ ok: true, installed: [] });
    expect(m.calls).toEqual([]);
  });

  it('missing, not root: stops with the list and ONE command, runs nothing', () => {
    const m = machine({ chromium: false, modules: ['scipy', 'pytest'] });
    const r = preflight(m.probe, () => {});
    expect(r.ok).toBe(false);
    const msg = (r as { message: string }).message;
    expect(msg).toContain('  - Chromium (/usr/bin/chromium)');
    expect(msg).toContain('  - Python modules for /usr/bin/python3: torch, onnx, nibabel, skimage, matplotlib');
    expect(msg).toContain('not root: nothing was installed');
    const cmdLines = msg.split('\n').filter((l) => l.includes('apt-get install'));
    expect(cmdLines).toEqual(['  sudo apt-get update && sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium python3 python3-torch python3-onnx python3-nibabel python3-skimage python3-matplotlib']);
    expect(m.calls).toEqual([]);
  });

  it('missing, root with apt-get (CI): installs exactly the missing packages, checks again, runs on', () => {
    const m = machine({ chromium: false, modules: ['onnx'], isRoot: true });
    const logs: string[] = [];
    const r = preflight(m.probe, (s) => logs.push(s));
    expect(m.calls).toEqual([
      'apt-get update -qq',
      'apt-get install -y -qq chromium python3 python3-torch python3-nibabel python3-scipy python3-skimage python3-pytest python3-matplotlib',
    ]);
    expect(r).toEqual({ ok: true, installed: ['chromium', 'python3', 'python3-torch', 'python3-nibabel', 'python3-scipy', 'python3-skimage', 'python3-pytest', 'python3-matplotlib'] });
    expect(logs.join('')).toContain('Installing missing prerequisites with apt-get');
  });

  it('root but the install fails: stops, naming what is still missing and the command', () => {
    const r = preflight(machine({ chromium: false, isRoot: true, aptWorks: false }).probe, () => {});
    expect(r).toMatchObject({ ok: false, message: expect.stringContaining('Installing the prerequisites failed; still missing:\n  - Chromium') });
    expect((r as { message: string }).message).toContain('apt-get install -y chromium');
  });

  it('root without apt-get, or root with SLICEWISE_INSTALL_PREREQUISITES=never: stops without installing', () => {
    const noApt = machine({ chromium: false, isRoot: true, hasAptGet: false });
    expect(preflight(noApt.probe, () => {})).toMatchObject({ ok: false, message: expect.stringContaining('no apt-get here') });
    const never = machine({ chromium: false, isRoot: true, installPolicy: 'never' });
    const r = preflight(never.probe, () => {});
    expect(r).toMatchObject({ ok: false, message: expect.stringContaining('  apt-get update && env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium') });
    expect([...noApt.calls, ...never.calls]).toEqual([]);
  });

  it('installCommand deduplicates packages; missingPrerequisites is empty on a complete machine', () => {
    expect(installCommand([{ name: 'a', packages: ['x', 'y'] }, { name: 'b', packages: ['y', 'z'] }], true)).toBe('apt-get update && env DEBIAN_FRONTEND=noninteractive apt-get install -y x y z');
    expect(missingPrerequisites(machine({ chromium: true }).probe)).toEqual([]);
  });

  it('refuses an unknown SLICEWISE_INSTALL_PREREQUISITES', () => {
    expect(() => systemProbe({ SLICEWISE_INSTALL_PREREQUISITES: 'yes' })).toThrow('SLICEWISE_INSTALL_PREREQUISITES="yes": must be "auto" or "never"');
  });
});

describe('npm test (scripts/test.ts) on this machine', () => {
  const tsx = path.join(root, 'node_modules/tsx/dist/cli.mjs');
  const runTest = (args: string[], env: Record<string, string>) =>
    spawnSync(process.execPath, [tsx, 'scripts/test.ts', ...args], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });

  it('a missing prerequisite stops it before lint or any test, printing the install command', () => {
    const r = runTest([], { CHROMIUM_PATH: '/nonexistent/chromium', SLICEWISE_INSTALL_PREREQUISITES: 'never' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('  - Chromium (/nonexistent/chromium)');
    expect(r.stderr).toMatch(/apt-get install -y chromium/);
    expect(r.stdout).toContain('=== prerequisites ===');
    expect(r.stdout).not.toContain('=== lint ===');
  });

  // after `npm test`'s own preflight the Python modules are present; a developer running this file alone
  // without them sees it skipped (the test above covers the missing case)
  it.skipIf(systemProbe().missingPythonModules(PYTHON_MODULES).length > 0)('with everything present it goes on (here: --preflight-only stops right after)', () => {
    const r = runTest(['--preflight-only'], { CHROMIUM_PATH: process.execPath, SLICEWISE_INSTALL_PREREQUISITES: 'never' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('=== prerequisites ===\nall present\n');
    expect(r.status).toBe(0);
  });
});
