// SupervisedPostgres on a real embedded server: a killed postmaster is started again; with no restart
// left, it gives up (npm start then stops everything: nothing works without the database).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SupervisedPostgres } from './postgres.ts';
import { freePort, readProcess, waitFor } from './test-support.ts';

let tmp: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'slicewise-pg-supervised-'));
  fs.chmodSync(tmp, 0o755); // as root, the server runs as `postgres`
});

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(process.platform !== 'linux')('SupervisedPostgres', () => {
  it('starts a killed server again, then gives up when the restarts allowed in the window are used', async () => {
    const logs: string[] = [];
    const gaveUp: string[] = [];
    const pids: number[] = [];
    const pg = new SupervisedPostgres({
      dataDir: path.join(tmp, 'pg'),
      port: await freePort(),
      database: 'slicewise',
      policy: { limit: 1, windowMs: 600_000, baseDelayMs: 100, maxDelayMs: 100 },
      log: (m) => logs.push(m),
      onPid: (pid) => pids.push(pid),
      onGiveUp: (reason) => gaveUp.push(reason),
    });
    try {
      await pg.start();
      const first = pg.pid!;
      process.kill(first, 'SIGKILL');
      await waitFor('the restart', () => pg.restarts === 1 && pg.state === 'running', 60_000, 100);
      expect(pg.pid).not.toBe(first);
      expect(pids).toEqual([first, pg.pid]);
      expect(logs).toContainEqual(expect.stringMatching(new RegExp(`^PostgreSQL \\(pid ${first}\\) exited on its own \\(killed by SIGKILL\\)`)));
      expect(logs).toContainEqual(expect.stringMatching(/^PostgreSQL is back \(pid \d+, down for [\d.]+ s\); the api and workers reconnect by themselves$/));

      process.kill(pg.pid!, 'SIGKILL');
      await waitFor('giving up', () => gaveUp.length > 0, 30_000, 100);
      expect(pg.state).toBe('gave-up');
      expect(gaveUp[0]).toBe('PostgreSQL stopped and could not be kept running: 2 restarts needed within 600 s (SLICEWISE_RESTART_LIMIT=1)');
      await new Promise((r) => setTimeout(r, 1000));
      expect(pg.restarts).toBe(1); // not started a third time
    } finally {
      await pg.stop();
    }
    expect(readProcess(pids.at(-1)!)).toBeNull();
  }, 120_000);
});
