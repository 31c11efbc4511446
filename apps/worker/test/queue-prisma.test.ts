// The API's path into the queue: enqueue / cancel inside a Prisma interactive transaction
// (prismaExecutor), committed or rolled back with the caller's rows. Lives here because packages/
// may not import the Prisma client.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEAD_LETTER_QUEUE, PREVIEW_PRIORITY, cancelCohortJobs, enqueueVolumeJobs, prismaExecutor, teamQueueName } from '@slicewise/queue';
import { createHarness, type Harness } from './helpers.ts';
import { prismaFor } from './prisma.repository.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness(inject('pgAdminUrl'), inject('pgTemplate'));
});
afterAll(async () => {
  await h?.close();
});

const jobsFor = (teamId: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ volumeId: randomUUID(), cohortId: randomUUID(), teamId, subjectIndex: i }));

describe('queue through Prisma', () => {
  it('enqueue inside a Prisma interactive transaction: rolled back with it, committed with it', async () => {
    const prisma = prismaFor(h.db.url);
    try {
      const team = randomUUID();
      await expect(
        prisma.$transaction(async (tx) => {
          await enqueueVolumeJobs(prismaExecutor(tx), jobsFor(team, 3), { preview: true });
          throw new Error('request failed after enqueue');
        }),
      ).rejects.toThrow(/request failed/);
      expect((await h.q(`SELECT count(*)::int AS n FROM pgboss.job`))[0].n).toBe(0);
      expect((await h.q(`SELECT count(*)::int AS n FROM pgboss.queue WHERE name = $1`, [teamQueueName(team)]))[0].n).toBe(0);
      const ids = await prisma.$transaction(async (tx) => {
        const ids = await enqueueVolumeJobs(prismaExecutor(tx), jobsFor(team, 3), { preview: true, priority: 2 });
        expect(await cancelCohortJobs(prismaExecutor(tx), randomUUID(), { teamId: team })).toBe(0);
        return ids;
      });
      const rows = await h.q(`SELECT id, priority FROM pgboss.job WHERE name = $1`, [teamQueueName(team)]);
      expect(rows.map((r) => r.id).sort()).toEqual([...ids].sort());
      expect(rows.every((r) => r.priority === 2 + PREVIEW_PRIORITY)).toBe(true);
      expect((await h.q(`SELECT retry_limit, dead_letter FROM pgboss.queue WHERE name = $1`, [teamQueueName(team)]))[0]).toMatchObject({ retry_limit: 3, dead_letter: DEAD_LETTER_QUEUE });
    } finally {
      await prisma.$disconnect();
    }
  });
});
