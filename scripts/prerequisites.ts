// System prerequisites of `npm test` beyond `npm install`: checked first, so a fresh machine either gets
// them installed (root with apt-get, as in CI) or stops before any test runs with the one command to run.
//
//   Chromium (/usr/bin/chromium, or CHROMIUM_PATH)      browser tests (e2e/)
//   Python 3 with torch, onnx, nibabel, scipy,           model training and PyTorch parity tests
//   scikit-image, pytest, matplotlib (/usr/bin/python3)
//
// The S3 protocol server of the storage tests (s3rver) and the embedded PostgreSQL come from npm: nothing
// to install here. SLICEWISE_INSTALL_PREREQUISITES=never only reports (a developer who is root but does
// not want apt-get run for them).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

export interface Prerequisite {
  /** What a person reads: "Chromium (/usr/bin/chromium)". */
  name: string;
  /** Debian/Ubuntu packages that provide it. */
  packages: string[];
}

export const PYTHON = '/usr/bin/python3';
export const PYTHON_MODULES = ['torch', 'onnx', 'nibabel', 'scipy', 'skimage', 'pytest', 'matplotlib'] as const;
const MODULE_PACKAGES: Record<(typeof PYTHON_MODULES)[number], string> = {
  torch: 'python3-torch',
  onnx: 'python3-onnx',
  nibabel: 'python3-nibabel',
  scipy: 'python3-scipy',
  skimage: 'python3-skimage',
  pytest: 'python3-pytest',
  matplotlib: 'python3-matplotlib',
};

/** Reads the machine; tests pass their own. */
export interface Probe {
  chromiumPath: string;
  fileExists(p: string): boolean;
  /** Python modules from the list that `/usr/bin/python3` cannot import. */
  missingPythonModules(modules: readonly string[]): string[];
  isRoot: boolean;
  hasAptGet: boolean;
  /** Runs a command with inherited output; returns its exit status. */
  run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): number;
  installPolicy: 'auto' | 'never';
}

export function missingPrerequisites(p: Probe): Prerequisite[] {
  const missing: Prerequisite[] = [];
  if (!p.fileExists(p.chromiumPath)) missing.push({ name: `Chromium (${p.chromiumPath})`, packages: ['chromium'] });
  const mods = p.missingPythonModules(PYTHON_MODULES);
  if (mods.length) missing.push({ name: `Python modules for ${PYTHON}: ${mods.join(', ')}`, packages: ['python3', ...mods.map((m) => MODULE_PACKAGES[m as keyof typeof MODULE_PACKAGES])] });
  return missing;
}

export function installCommand(missing: Prerequisite[], asRoot: boolean): string {
  const pkgs = [...new Set(missing.flatMap((m) => m.packages))].join(' ');
  const sudo = asRoot ? '' : 'sudo ';
  return `${sudo}apt-get update && ${sudo}env DEBIAN_FRONTEND=noninteractive apt-get install -y ${pkgs}`;
}

export type PreflightResult = { ok: true; installed: string[] } | { ok: false; message: string };

/** Check, install when allowed, check again. Never throws; the caller exits on `ok: false`. */
export function preflight(p: Probe, log: (s: string) => void): PreflightResult {
  const missing = missingPrerequisites(p);
  if (missing.length === 0) return { ok: true, installed: [] };
  const cmd = installCommand(missing, p.isRoot);
  const list = missing.map((m) => `  - ${m.name}`).join('\n');
  if (!p.isRoot || !p.hasAptGet || p.installPolicy === 'never') {
    const why = !p.hasAptGet ? ' (no apt-get here: install the equivalent packages of your system)' : p.isRoot ? ' (SLICEWISE_INSTALL_PREREQUISITES=never)' : ' (not root: nothing was installed)';
    return { ok: false, message: `npm test needs these system packages, which are missing${why}:\n${list}\nInstall them with this one command, then run npm test again:\n\n  ${cmd}\n` };
  }
  const pkgs = [...new Set(missing.flatMap((m) => m.packages))];
  log(`Installing missing prerequisites with apt-get: ${pkgs.join(' ')}\n${list}\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const failed = p.run('apt-get', ['update', '-qq'], env) !== 0 || p.run('apt-get', ['install', '-y', '-qq', ...pkgs], env) !== 0;
  const still = missingPrerequisites(p);
  if (failed || still.length) {
    return { ok: false, message: `Installing the prerequisites failed; still missing:\n${(still.length ? still : missing).map((m) => `  - ${m.name}`).join('\n')}\nThe command was:\n\n  ${cmd}\n` };
  }
  return { ok: true, installed: pkgs };
}

export function systemProbe(env: NodeJS.ProcessEnv = process.env): Probe {
  const policy = env.SLICEWISE_INSTALL_PREREQUISITES ?? 'auto';
  if (policy !== 'auto' && policy !== 'never') throw new Error(`SLICEWISE_INSTALL_PREREQUISITES=${JSON.stringify(policy)}: must be "auto" or "never"`);
  return {
    chromiumPath: env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    fileExists: (f) => fs.existsSync(f),
    missingPythonModules(modules) {
      if (!fs.existsSync(PYTHON)) return [...modules];
      // one interpreter start for all modules (importing torch takes seconds)
      const code = `import importlib.util as u\nprint(" ".join(m for m in ${JSON.stringify(modules)} if u.find_spec(m) is None))`;
      const r = spawnSync(PYTHON, ['-c', code], { encoding: 'utf8' });
      if (r.status !== 0) return [...modules];
      return r.stdout.trim().split(/\s+/).filter(Boolean);
    },
    isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
    hasAptGet: spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0,
    run: (cmd, args, runEnv) => spawnSync(cmd, args, { stdio: 'inherit', env: runEnv }).status ?? 1,
    installPolicy: policy,
  };
}
