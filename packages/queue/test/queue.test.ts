// pg-boss wrapper against a real PostgreSQL: transactional enqueue, fair share, expiry, retries,
// dead letter, cancel and retry.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@slicewise/db/testing';
import {
  DEAD_LETTER_QUEUE,
  PREVIEW_PRIORITY,
  VolumeQueueConsumer,
  cancelCohortJobs,
  enqueueVolumeJobs,
  ensureQueueSchema,
  retryVolumeJob,
  teamQueueName,
  type SqlExecutor,
  type VolumeJobPayload,
} from '../src/index.ts';

let db: TestDatabase;
let client: pg.Client;
const sql: SqlExecutor = (text, values) => client.query(text, values as unknown[]);
const consumers: VolumeQueueConsumer[] = [];

async function consumer(leaseSeconds = 30): Promise<VolumeQueueConsumer> {
  const c = await VolumeQueueConsumer.start({ databaseUrl: db.url, leaseSeconds, maintenanceIntervalSeconds: 3600, maxConnections: 2 });
  consumers.push(c);
  return c;
}

function jobsFor(teamId: string, n: number, cohortId = randomUUID()): VolumeJobPayload[] {
  return Array.from({ length: n }, (_, i) => ({ volumeId: randomUUID(), cohortId, teamId, subjectIndex: i }));
}

async function clearJobs(): Promise<void> {
  await sql(`DELETE FROM pgboss.job`, []);
}

beforeAll(async () => {
  db = await createTestDatabase(inject('pgAdminUrl'), inject('pgTemplate'));
  await ensureQueueSchema(db.url);
  await ensureQueueSchema(db.url); // idempotent
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});

afterAll(async () => {
  for (const c of consumers) await c.stop();
  await client?.end();
  await db?.drop();
});

describe('enqueueVolumeJobs', () => {
  it('runs inside the caller transaction: rollback leaves nothing, commit leaves every job', async () => {
    const team = randomUUID();
    await sql('BEGIN', []);
    const ids = await enqueueVolumeJobs(sql, jobsFor(team, 5));
    expect(ids).toHaveLength(5);
    await sql('ROLLBACK', []);
    expect((await sql(`SELECT count(*)::int AS n FROM pgboss.job`, [])).rows[0].n).toBe(0);
    // the queue partition itself was rolled back too
    expect((await sql(`SELECT count(*)::int AS n FROM pgboss.queue WHERE name = $1`, [teamQueueName(team)])).rows[0].n).toBe(0);

    await sql('BEGIN', []);
    const ids2 = await enqueueVolumeJobs(sql, jobsFor(team, 5), { priority: 3, policy: { retryLimit: 7, expireInSeconds: 42 } });
    await sql('COMMIT', []);
    const { rows } = await sql(
      `SELECT id, priority, retry_limit, extract(epoch from expire_in)::int AS exp, dead_letter FROM pgboss.job WHERE name = $1 ORDER BY data->>'subjectIndex'`,
      [teamQueueName(team)],
    );
    expect(rows.map((r) => r.id).sort()).toEqual([...ids2].sort());
    expect(rows[0]).toMatchObject({ priority: 3, retry_limit: 7, exp: 42, dead_letter: DEAD_LETTER_QUEUE });
    await clearJobs();
  });

  it('refuses bad payloads naming the field', async () => {
    await expect(enqueueVolumeJobs(sql, [{ volumeId: 'x', cohortId: randomUUID(), teamId: randomUUID(), subjectIndex: 0 }])).rejects.toThrow(/volumeId must be a UUID, got "x"/);
    await expect(enqueueVolumeJobs(sql, [{ ...jobsFor(randomUUID(), 1)[0]!, subjectIndex: -1 }])).rejects.toThrow(/subjectIndex must be an integer >= 0/);
  });
});

describe('fair share', () => {
  it("a team's 4-volume preview is served before another team's 10,000-volume backlog", async () => {
    const big = randomUUID(), small = randomUUID();
    await enqueueVolumeJobs(sql, jobsFor(big, 10_000));
    await enqueueVolumeJobs(sql, jobsFor(small, 4), { preview: true });
    const c = await consumer();
    const served: string[] = [];
    for (let i = 0; i < 6; i++) {
      const j = (await c.claim())!;
      served.push(j.data.teamId === small ? 'small' : 'big');
      await c.complete(j);
    }
    expect(served).toEqual(['small', 'small', 'small', 'small', 'big', 'big']);
    await clearJobs();
  });

  it('without previews, two teams alternate (4 small jobs done within the first 8 claims)', async () => {
    const big = randomUUID(), small = randomUUID();
    await enqueueVolumeJobs(sql, jobsFor(big, 500));
    await enqueueVolumeJobs(sql, jobsFor(small, 4));
    const c = await consumer();
    const served: string[] = [];
    for (let i = 0; i < 8; i++) {
      const j = (await c.claim())!;
      served.push(j.data.teamId === small ? 's' : 'b');
      await c.complete(j);
    }
    expect(served.filter((s) => s === 's')).toHaveLength(4);
    expect(served.join('')).toMatch(/^(sb|bs){4}$/);
    await clearJobs();
  });

  it('with jobs held by other workers, the team with fewer running jobs goes first', async () => {
    const a = randomUUID(), b = randomUUID();
    await enqueueVolumeJobs(sql, jobsFor(a, 50));
    await enqueueVolumeJobs(sql, jobsFor(b, 50));
    const w1 = await consumer(), w2 = await consumer(), w3 = await consumer();
    const held = [(await w1.claim())!, (await w2.claim())!, (await w3.claim())!];
    const teams = held.map((j) => j.data.teamId);
    // three concurrent claims: never all three from one team
    expect(new Set(teams).size).toBe(2);
    await clearJobs();
  });

  it('previews go ahead of the same team bulk jobs too (priority inside a queue)', async () => {
    const t = randomUUID();
    await enqueueVolumeJobs(sql, jobsFor(t, 20));
    const preview = jobsFor(t, 2);
    await enqueueVolumeJobs(sql, preview, { preview: true });
    const c = await consumer();
    const first = [(await c.claim())!, (await c.claim())!];
    expect(first.map((j) => j.data.volumeId).sort()).toEqual(preview.map((p) => p.volumeId).sort());
    expect(PREVIEW_PRIORITY).toBeGreaterThan(0);
    await clearJobs();
  });
});

describe('reliability', () => {
  it('an expired claim is retried, and the lease can be extended while alive', async () => {
    const t = randomUUID();
    await enqueueVolumeJobs(sql, jobsFor(t, 1), { policy: { retryDelaySeconds: 0, retryBackoff: false } });
    const dead = await consumer(1);
    const j1 = (await dead.claim())!;
    expect(j1.retryCount).toBe(0);
    const live = await consumer(30);
    expect(await live.claim()).toBeNull(); // held
    await new Promise((r) => setTimeout(r, 1500));
    await live.maintainNow(); // what pg-boss maintenance does every maintenanceIntervalSeconds
    const j2 = (await live.claim())!;
    expect(j2.id).toBe(j1.id);
    expect(j2.retryCount).toBe(1);
    expect(await dead.extend(j1.queue, j1.id)).toBe(true); // same id, active again (now held by `live`)
    await live.complete(j2);
    expect(await dead.extend(j1.queue, j1.id)).toBe(false); // completed: lease gone
    await clearJobs();
  });

  it('failures retry with backoff, then dead-letter with the error text', async () => {
    const t = randomUUID();
    const [job] = jobsFor(t, 1);
    await enqueueVolumeJobs(sql, [job!], { policy: { retryLimit: 2, retryDelaySeconds: 1, retryBackoff: true } });
    const c = await consumer();
    const attempts: number[] = [];
    let failedAt = '';
    for (;;) {
      const j = await c.claim();
      if (!j) {
        // the retry is scheduled after the failure (compared with the database clock right after it, not with
        // now(): on a slow machine the delay can pass between the empty claim and this query)
        const { rows } = await sql(`SELECT state, start_after > $2::timestamptz AS later FROM pgboss.job WHERE name = $1`, [teamQueueName(t), failedAt]);
        if (rows[0]?.state === 'failed') break;
        expect(rows[0]).toMatchObject({ state: 'retry', later: true }); // backoff delay
        await new Promise((r) => setTimeout(r, 400));
        continue;
      }
      attempts.push(j.retryCount);
      expect(j.lastAttempt).toBe(j.retryCount === 2);
      await c.fail(j, `boom ${j.retryCount}`);
      failedAt = (await sql(`SELECT now()::text AS now`)).rows[0].now;
    }
    expect(attempts).toEqual([0, 1, 2]);
    const dl = (await c.claimDeadLetter())!;
    expect(dl.data).toEqual(job);
    expect(JSON.stringify(dl.output)).toContain('boom 2');
    await c.completeDeadLetter(dl.id);
    await clearJobs();
  });

  it('release gives a job back without counting an attempt', async () => {
    const t = randomUUID();
    await enqueueVolumeJobs(sql, jobsFor(t, 1));
    const c = await consumer();
    const j = (await c.claim())!;
    await c.release(j);
    const again = (await c.claim())!;
    expect(again.id).toBe(j.id);
    expect(again.retryCount).toBe(0);
    await clearJobs();
  });

  it('cancelCohortJobs cancels unclaimed jobs of the cohort only; retryVolumeJob re-queues one volume', async () => {
    const t = randomUUID();
    const cohort = jobsFor(t, 4);
    const other = jobsFor(t, 2);
    await enqueueVolumeJobs(sql, cohort);
    await enqueueVolumeJobs(sql, other);
    const c = await consumer();
    const running = (await c.claim())!;
    expect(await cancelCohortJobs(sql, cohort[0]!.cohortId, { teamId: t })).toBe(running.data.cohortId === cohort[0]!.cohortId ? 3 : 4);
    const { rows } = await sql(`SELECT data->>'cohortId' AS cohort, state FROM pgboss.job WHERE name = $1`, [teamQueueName(t)]);
    for (const r of rows) {
      if (r.cohort === other[0]!.cohortId) expect(['created', 'active']).toContain(r.state);
      else expect(['cancelled', 'active']).toContain(r.state);
    }
    const id = await retryVolumeJob(sql, cohort[1]!);
    const again = await retryVolumeJob(sql, cohort[1]!); // a second retry replaces the first
    const { rows: r2 } = await sql(`SELECT id, state FROM pgboss.job WHERE data->>'volumeId' = $1 AND state = 'created'`, [cohort[1]!.volumeId]);
    expect(r2.map((r) => r.id)).toEqual([again]);
    expect(id).not.toBe(again);
    await clearJobs();
  });
});
