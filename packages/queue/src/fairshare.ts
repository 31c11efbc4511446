/**
 * Which team queue a worker claims from next. Pure: the input is one row per team queue with work
 * (from `queueStatsSql`), the output the order to try.
 *
 *   1. queues whose best ready job has the highest priority first (previews: PREVIEW_PRIORITY),
 *   2. then the queue with the fewest jobs running right now, counted over ALL workers (so N workers
 *      spread over teams instead of all draining the biggest backlog),
 *   3. ties broken round-robin after the queue this worker served last.
 *
 * A 4-volume preview of team B therefore waits for at most the jobs already running, whatever team A has
 * queued; two bulk teams share the workers evenly.
 */

export interface QueueStats {
  name: string;
  /** Jobs claimed and not finished (all workers). */
  active: number;
  /** Jobs that could be claimed now. */
  ready: number;
  /** Highest priority among ready jobs. */
  topPriority: number;
}

export function orderQueues(stats: readonly QueueStats[], lastServed: string | null): string[] {
  const ready = stats.filter((s) => s.ready > 0);
  const names = ready.map((s) => s.name).sort();
  // rotation rank: names after lastServed come first
  const rank = new Map<string, number>();
  const start = lastServed === null ? 0 : names.findIndex((n) => n > lastServed);
  const s0 = start < 0 ? 0 : start;
  names.forEach((n, i) => rank.set(n, (i - s0 + names.length) % names.length));
  return [...ready]
    .sort((a, b) => b.topPriority - a.topPriority || a.active - b.active || rank.get(a.name)! - rank.get(b.name)!)
    .map((s) => s.name);
}

/** One row per volume queue with claimable or running jobs ($1: name prefix LIKE pattern). */
export function queueStatsSql(schema: string): string {
  return `
    SELECT name,
      count(*) FILTER (WHERE state = 'active')::int AS active,
      count(*) FILTER (WHERE state < 'active' AND start_after < now())::int AS ready,
      coalesce(max(priority) FILTER (WHERE state < 'active' AND start_after < now()), 0)::int AS "topPriority"
    FROM ${schema}.job
    WHERE name LIKE $1 AND state <= 'active'
    GROUP BY name`;
}
