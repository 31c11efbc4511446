// `npm run chaos`: a bigger chaos run with the real model (default sbldm-phantom-64-fast), printing one JSON
// line: volumes, kills, PostgreSQL restarts, duplicates, orphan files, median and max takeover seconds, and
// the total time against an undisturbed run of the same cohort in the same process. The workers run with
// their default lease (LEASE_SECONDS=15), as users get them.
//   CHAOS_MODEL, CHAOS_VOLUMES (30), CHAOS_WORKERS (3), CHAOS_KILLS (10), CHAOS_STEPS (default: the model's own
//   sampler settings). Quality control is off: this run measures fault handling, not the model.
import { runChaos } from '../test/chaos.ts';

const env = process.env;
const int = (name: string, dflt: number) => {
  const v = env[name] === undefined ? dflt : Number(env[name]);
  if (!Number.isInteger(v) || v < 0) throw new Error(`${name}=${env[name]}: must be a whole number >= 0`);
  return v;
};
const report = await runChaos({
  modelName: env.CHAOS_MODEL ?? 'sbldm-phantom-64-fast',
  volumes: int('CHAOS_VOLUMES', 30),
  ...(env.CHAOS_STEPS === undefined ? {} : { steps: int('CHAOS_STEPS', 0) }),
  workers: int('CHAOS_WORKERS', 3),
  kills: int('CHAOS_KILLS', 10),
  restartPostgresAfterKill: Math.floor(int('CHAOS_KILLS', 10) / 2),
  workerEnv: { ORT_INTRA_OP_THREADS: '1', LEASE_SECONDS: '15', REAP_INTERVAL_MS: '5000', JOB_EXPIRE_SECONDS: '60', POLL_INTERVAL_MS: '1000' },
  baseline: true,
  replays: 5,
  timeoutMs: 3_600_000,
  log: (m) => process.stderr.write(`[chaos] ${m}\n`),
});
process.stdout.write(`${JSON.stringify(report)}\n`);
process.exit(0);
