// SupervisedProcess with real (tiny) node processes: readiness, restart with backoff, giving up, stop
// with SIGTERM then a process-group SIGKILL. The whole platform is tested in start.test.ts.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { RestartPolicy } from './config.ts';
import { StartupError, SupervisedProcess } from './supervisor.ts';
import { freePort, processTree, readProcess, stillRunning, waitFor, type ProcessEntry } from './test-support.ts';

// The child: serves GET / with 200 on PORT; env switches make it misbehave.
const CHILD = `
const http = require('node:http');
const { spawn } = require('node:child_process');
if (process.env.EXIT_AT_ONCE) process.exit(Number(process.env.EXIT_AT_ONCE));
if (process.env.IGNORE_TERM) process.on('SIGTERM', () => {});
if (process.env.GRANDCHILD) spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"], { stdio: 'ignore' });
http.createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1', () => {
  if (process.env.CRASH_AFTER_MS) setTimeout(() => process.exit(3), Number(process.env.CRASH_AFTER_MS));
});
`;

const policy: RestartPolicy = { limit: 2, windowMs: 30_000, baseDelayMs: 50, maxDelayMs: 400 };
const started: SupervisedProcess[] = [];

async function child(env: Record<string, string>, opts: { stopTimeoutMs?: number; policy?: RestartPolicy; port?: number } = {}) {
  const port = opts.port ?? (await freePort());
  const logs: string[] = [];
  const gaveUp: string[] = [];
  const p = new SupervisedProcess(
    {
      name: 'toy',
      command: process.execPath,
      args: ['-e', CHILD],
      cwd: process.cwd(),
      env: { ...process.env, PORT: String(port), ...env },
      readyUrl: `http://127.0.0.1:${port}/`,
      readyTimeoutMs: 20_000,
      stopTimeoutMs: opts.stopTimeoutMs ?? 5_000,
      ports: [{ variable: 'TOY_PORT', value: port, host: '127.0.0.1', port, what: 'the toy' }],
    },
    opts.policy ?? policy,
    (m) => logs.push(m),
    (_c, reason) => gaveUp.push(reason),
  );
  started.push(p);
  return { p, logs, gaveUp, port };
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.stop('SIGKILL')));
});

describe.skipIf(process.platform !== 'linux')('SupervisedProcess', () => {
  it('starts, waits until ready, and stops on SIGTERM', async () => {
    const { p } = await child({});
    await p.start();
    expect(p.state).toBe('running');
    const pid = p.pid!;
    expect(readProcess(pid)?.pgid).toBe(pid); // its own process group
    const r = await p.stop();
    expect(r.killed).toBe(false);
    expect(readProcess(pid)).toBeNull();
    expect(p.state).toBe('stopped');
  });

  it('restarts a child that exits on its own, with backoff, and the new one serves', async () => {
    const { p, logs } = await child({ CRASH_AFTER_MS: '300' }, { policy: { ...policy, limit: 5 } });
    await p.start();
    const first = p.pid;
    await waitFor('a restart', () => p.restarts >= 1, 15_000, 20);
    expect(p.pid).not.toBe(first);
    expect(logs[0]).toMatch(/^toy exited on its own \(exit code 3\) after [\d.]+ s; restarting it in 0\.05 s \(restart 1 of at most 5 within 30 s\)$/);
    expect(logs.find((l) => l.startsWith('toy is back'))).toMatch(/pid \d+/);
    // the second crash inside the window waits twice as long
    await waitFor('a second crash', () => logs.some((l) => l.includes('restarting it in 0.1 s (restart 2 of')), 15_000, 20);
  });

  it('gives up on a child that keeps crashing, says so, and leaves it stopped', async () => {
    const { p, logs, gaveUp } = await child({ CRASH_AFTER_MS: '600' });
    await p.start();
    await waitFor('giving up', () => gaveUp.length > 0, 20_000, 20);
    expect(p.state).toBe('gave-up');
    expect(p.restarts).toBe(2); // limit 2: the third exit inside the window is the last
    expect(gaveUp[0]).toMatch(/exited 3 times within 30 s \(SLICEWISE_RESTART_LIMIT=2, SLICEWISE_RESTART_WINDOW_SECONDS=30\)/);
    expect(logs.at(-1)).toMatch(/Giving up on toy: it stays stopped until npm start is restarted\.$/);
    const pid = p.pid!;
    await new Promise((r) => setTimeout(r, 500));
    expect(readProcess(pid)).toBeNull();
    expect(p.restarts).toBe(2);
  });

  it('reports a child that exits during start-up, and does not restart it', async () => {
    const { p, logs } = await child({ EXIT_AT_ONCE: '2' });
    const err = await p.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StartupError);
    expect((err as Error).message).toBe('toy exited during start-up (exit code 2); its log is above');
    await new Promise((r) => setTimeout(r, 300));
    expect(logs).toEqual([]);
  });

  it('names the variable of a port another program took before the child could listen on it', async () => {
    const squatter = net.createServer();
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
    const port = (squatter.address() as net.AddressInfo).port;
    try {
      const { p } = await child({}, { port });
      const err = await p.start().catch((e: unknown) => e);
      expect((err as Error).message).toBe(
        `toy exited during start-up (exit code 1); its log is above\n  - TOY_PORT=${port}: port 127.0.0.1:${port} (the toy) is already in use by another program. Stop that program, or set TOY_PORT to a free port.`,
      );
    } finally {
      squatter.close();
    }
  });

  it('SIGKILLs the whole process group of a child that ignores SIGTERM, grandchildren included', async () => {
    const { p, logs } = await child({ IGNORE_TERM: '1', GRANDCHILD: '1' }, { stopTimeoutMs: 500 });
    await p.start();
    const tree: ProcessEntry[] = await waitFor('the grandchild', () => {
      const t = processTree(p.pid!);
      return t.length >= 2 ? t : null;
    }, 10_000);
    const r = await p.stop();
    expect(r.killed).toBe(true);
    expect(logs).toContain('toy did not stop within 0.5 s of SIGTERM; killing it');
    await waitFor('the tree to be gone', () => stillRunning(tree).length === 0, 5_000, 20);
  });

  it('does not restart a child that exits while being stopped', async () => {
    const { p, logs } = await child({});
    await p.start();
    await p.stop();
    await new Promise((r) => setTimeout(r, 300));
    expect(p.state).toBe('stopped');
    expect(logs).toEqual([]);
  });
});
