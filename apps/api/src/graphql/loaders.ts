// Per-request DataLoaders: nested lists and references are fetched in one query per level,
// whatever the number of parents (tested in n-plus-one.test.ts).
import DataLoader from 'dataloader';
import type { Services } from '../services.ts';
import type { Keyset, TimeCursor } from '../common/keyset.ts';

function byId<T extends { id: string }>(rows: T[], ids: readonly string[]): (T | null)[] {
  const m = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => m.get(id) ?? null);
}

function groupBy<T>(rows: T[], key: (r: T) => string, ids: readonly string[]): T[][] {
  const m = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = m.get(k);
    if (list) list.push(r);
    else m.set(k, [r]);
  }
  return ids.map((id) => m.get(id) ?? []);
}

export function createLoaders(services: Services) {
  const pageLoaders = new Map<string, DataLoader<string, unknown[]>>();
  /** One loader per (list, page arguments): keys are parent ids. */
  function paged<T>(name: string, args: unknown, batch: (ids: readonly string[]) => Promise<T[][]>): DataLoader<string, T[]> {
    const key = `${name}:${JSON.stringify(args)}`;
    let l = pageLoaders.get(key);
    if (!l) {
      l = new DataLoader<string, unknown[]>(batch as (ids: readonly string[]) => Promise<unknown[][]>);
      pageLoaders.set(key, l);
    }
    return l as DataLoader<string, T[]>;
  }
  return {
    user: new DataLoader(async (ids: readonly string[]) => byId(await services.auth.usersByIds(ids), ids)),
    team: new DataLoader(async (ids: readonly string[]) => byId(await services.teams.teamsByIds(ids), ids)),
    project: new DataLoader(async (ids: readonly string[]) => byId(await services.projects.projectsByIds(ids), ids)),
    cohort: new DataLoader(async (ids: readonly string[]) => byId(await services.cohorts.cohortsByIds(ids), ids)),
    model: new DataLoader(async (ids: readonly string[]) => byId(await services.models.modelsByIds(ids), ids)),
    distributionVersion: new DataLoader(async (ids: readonly string[]) => byId(await services.distributions.versionsByIds(ids), ids)),
    volumeAttempts: new DataLoader(async (ids: readonly string[]) => groupBy(await services.cohorts.attemptsOf(ids), (r) => r.volumeId, ids)),
    cohortProgress: new DataLoader(async (ids: readonly string[]) => {
      const m = await services.cohorts.progressOf(ids);
      return ids.map((id) => m.get(id)!);
    }),
    /** Live rate and ETA per cohort (keyed by cohort id; one query per request level). */
    cohortRate: new DataLoader(
      async (cohorts: readonly { id: string; startedAt: Date | null; estimatedSeconds: number | null; size: number; remaining: number }[]) => {
        const m = await services.cohorts.ratesOf(cohorts);
        return cohorts.map((c) => m.get(c.id)!);
      },
      { cacheKeyFn: (c) => c.id },
    ),
    members(k: Keyset<TimeCursor>) {
      return paged('members', k, async (ids) => groupBy(await services.teams.membersOfTeams(ids, k), (r) => r.teamId, ids));
    },
    distributions(k: Keyset<TimeCursor>) {
      return paged('distributions', k, async (ids) => groupBy(await services.distributions.listForProjects(ids, k), (r) => r.projectId, ids));
    },
    cohorts(k: Keyset<TimeCursor>) {
      return paged('cohorts', k, async (ids) => groupBy(await services.cohorts.listForProjects(ids, k), (r) => r.projectId, ids));
    },
    projects(k: Keyset<TimeCursor>, includeArchived: boolean) {
      return paged('projects', [k, includeArchived], async (ids) => groupBy(await services.projects.projectsOfTeams(ids, k, includeArchived), (r) => r.teamId, ids));
    },
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
