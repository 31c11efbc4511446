// pg-boss 12 group concurrency against the fair-share scenarios of packages/queue/test/queue.test.ts.
// Not part of the build: pg-boss 12 is not a dependency (see packages/queue/README.md, "pg-boss 12").
//
//   mkdir /tmp/pgb12 && cd /tmp/pgb12 && npm init -y && npm i pg-boss@12.38.1
//   DATABASE_URL=postgresql://user:pass@127.0.0.1:5432/scratch node /path/to/this/file.mjs
//
// Design under test: ONE queue "volume", group = team, previews at priority 100, workers fetch one job
// at a time with `groupConcurrency` (the cross-node cap). Each line prints what the scenario wants.
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(path.join(process.cwd(), 'index.js'));
const { PgBoss } = await import(require.resolve('pg-boss'));
if (!process.env.DATABASE_URL) throw new Error('DATABASE_URL is required (a scratch database: the pgboss schema is created in it)');
const boss = new PgBoss({ connectionString: process.env.DATABASE_URL, supervise: false, schedule: false });
boss.on('error', () => {});
await boss.start();
const log = (...a) => console.log(...a);
async function reset() {
  await boss.deleteQueue('volume').catch(() => {});
  await boss.createQueue('volume', { heartbeatSeconds: 10 });
}
async function enqueue(team, n, priority = 0) {
  const jobs = Array.from({ length: n }, (_, i) => ({ data: { team, i }, priority, group: { id: team } }));
  for (let k = 0; k < jobs.length; k += 1000) await boss.insert('volume', jobs.slice(k, k + 1000));
}
const fetch1 = async (gc) => (await boss.fetch('volume', { batchSize: 1, groupConcurrency: gc }))[0];
for (const gc of [1, 2]) {
  log(`\n=== groupConcurrency ${gc} ===`);
  await reset();
  await enqueue('big', 10_000);
  await enqueue('small', 4, 100);
  let served = [];
  for (let i = 0; i < 6; i++) {
    const j = await fetch1(gc);
    served.push(j.data.team);
    await boss.complete('volume', j.id);
  }
  log('1 preview of small ahead of big backlog (want small x4 then big):', served.join(','));
  await reset();
  await enqueue('big', 500);
  await enqueue('small', 4);
  served = [];
  for (let i = 0; i < 8; i++) {
    const j = await fetch1(gc);
    served.push(j.data.team === 'small' ? 's' : 'b');
    await boss.complete('volume', j.id);
  }
  log('2 two teams alternate, one worker (want (sb|bs){4}):', served.join(''));
  await reset();
  await enqueue('a', 50);
  await enqueue('b', 50);
  const held = [await fetch1(gc), await fetch1(gc), await fetch1(gc)];
  log('3 three workers claim at once (want a,b + one more, no idle worker):', held.map((j) => j?.data.team ?? 'IDLE').join(','));
  const next = await fetch1(gc);
  log('  4th claim while 3 held (want the team with fewer running):', next?.data.team ?? 'IDLE');
  await reset();
  await enqueue('only', 20);
  const solo = [await fetch1(gc), await fetch1(gc), await fetch1(gc)];
  log('4 one team, three workers (work-conserving wants 3 claims):', solo.map((j) => (j ? 'claimed' : 'IDLE')).join(','));
}
await boss.stop({ graceful: false, wait: true });
