/**
 * Replay audit of a dataset version: regenerate k of its volumes, chosen by a seeded hash so the same
 * (version, k, seed) picks the same volumes, from their provenance records, and report how many came
 * out bit-identical; otherwise the largest voxel difference, the lowest mask Dice, and why (each
 * volume's report lists the differing runtime facts: provider, threads, ORT version).
 */
import { createHash } from 'node:crypto';
import type { ReplayAuditRepository } from './replay-audit.repository.ts';
import { replayVolume, type ReplayOptions, type ReplayReport } from './replay.ts';

export interface ReplayAuditReport {
  datasetVersionId: string;
  dataset: string;
  manifestHash: string;
  volumes: number;
  sampled: number;
  seed: number;
  identical: number;
  different: number;
  maxImageAbsDiff: number;
  minMaskDice: number;
  reports: ReplayReport[];
}

/** k volume ids of `ids`, chosen by sha256(seed:id) order (deterministic, unbiased). */
export function sampleVolumes(ids: readonly string[], k: number, seed: number): string[] {
  return [...ids]
    .map((id) => ({ id, key: createHash('sha256').update(`${seed}:${id}`).digest('hex') }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .slice(0, Math.max(0, k))
    .map((x) => x.id);
}

export async function replayAudit(
  repo: ReplayAuditRepository,
  datasetVersionId: string,
  opts: ReplayOptions & { k: number; seed: number; onProgress?: (done: number, total: number) => void },
): Promise<ReplayAuditReport> {
  const v = await repo.version(datasetVersionId);
  if (!v) throw new Error(`dataset version ${datasetVersionId} not found`);
  const chosen = sampleVolumes(v.volumeIds, opts.k, opts.seed);
  const reports: ReplayReport[] = [];
  for (const id of chosen) {
    reports.push(await replayVolume(id, opts));
    opts.onProgress?.(reports.length, chosen.length);
  }
  const identical = reports.filter((r) => r.identical).length;
  return {
    datasetVersionId: v.id,
    dataset: v.dataset,
    manifestHash: v.manifestHash,
    volumes: v.volumeIds.length,
    sampled: reports.length,
    seed: opts.seed,
    identical,
    different: reports.length - identical,
    maxImageAbsDiff: Math.max(0, ...reports.map((r) => r.image.maxAbsDiff ?? 0)),
    minMaskDice: Math.min(1, ...reports.map((r) => r.mask.dice ?? 1)),
    reports,
  };
}
