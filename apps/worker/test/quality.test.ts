// Quality control of every volume: random weights fail it with clear reasons and end QC_FAILED after every
// try (files kept for inspection); an injected out-of-tolerance mask triggers a regeneration with a derived
// seed that passes; both replay byte-identically from their provenance (the accepted try).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LocalStorage } from '@slicewise/storage';
import { parseVolumeProvenance, type VolumeProvenanceV2 } from '@slicewise/provenance';
import { VolumeRepository } from '../src/pipeline/volume.repository.ts';
import { replayVolume } from '../src/replay/replay.ts';
import { createHarness, listFiles, MODELS_DIR, seedCohort, startWorker, stopWorker, waitFor, type Harness, type WorkerProcess } from './helpers.ts';

let h: Harness;
let w: WorkerProcess;
let lenientModels: string;

beforeAll(async () => {
  h = await createHarness(inject('pgAdminUrl'), inject('pgTemplate'));
  // tiny-random with thresholds any generated volume meets, so a regeneration can pass
  lenientModels = fs.mkdtempSync(path.join(os.tmpdir(), 'qc-models-'));
  fs.cpSync(path.join(MODELS_DIR, 'tiny-random'), path.join(lenientModels, 'tiny-random'), { recursive: true });
  const metaPath = path.join(lenientModels, 'tiny-random', 'metadata.json');
  const meta = JSON.parse(fs.readFileSync(metaPath, 'utf8'));
  meta.quality_control.tumour_present.min_voxels = 1;
  for (const t of Object.values(meta.quality_control.tolerances) as { abs: number }[]) t.abs = 1000;
  meta.quality_control.brain_outline.min_dice = 0;
  meta.quality_control.intensity.ranges = meta.quality_control.intensity.ranges.map(() => [-1, 1]);
  fs.writeFileSync(metaPath, JSON.stringify(meta));
});
afterAll(async () => {
  if (w) expect(await stopWorker(w)).toBe(0);
  await h?.close();
  fs.rmSync(lenientModels, { recursive: true, force: true });
});

const volume = async (id: string) => (await h.q(`SELECT * FROM "Volume" WHERE id = $1`, [id]))[0];

async function replay(volumeId: string, modelsDir: string) {
  const repo = new VolumeRepository(h.db.url, { maxConnections: 1 });
  try {
    return await replayVolume(volumeId, { modelsDir, storage: new LocalStorage(h.storageDir), repo, codeRevision: 'test-revision' });
  } finally {
    await repo.close();
  }
}

describe('quality control', () => {
  it('random weights fail every try with clear reasons: QC_FAILED, each try recorded with its seed, files kept, replay identical', async () => {
    w = startWorker(h);
    await w.waitForLine((l) => l.msg === 'worker ready');
    const c = await seedCohort(h, { size: 1, samplerSettings: { numInferenceSteps: 4 }, qc: { maxTries: 2 } });
    const vid = c.volumeIds[0]!;
    const v = await waitFor('volume QC_FAILED', async () => ((await volume(vid)).status === 'QC_FAILED' ? volume(vid) : null), 40_000);
    expect(v.error).toMatch(/^quality control failed on all 2 tries; last try: /);
    expect(v.error).toMatch(/brain-outline Dice|intensity|tumour missing|error .* > tolerance/);
    const p = parseVolumeProvenance(v.provenance) as VolumeProvenanceV2;
    expect(p.qc.status).toBe('failed');
    expect(p.qc.tries.map((t) => [t.index, t.noiseKey, t.passed])).toEqual([
      [0, 0, false],
      [1, 1, false],
    ]);
    expect(p.qc.tries[1]!.rng).toMatch(/\.fork\(0\)\.fork\(1\)$/);
    expect(p.qc.tries.every((t) => t.checks.some((ch) => !ch.passed && ch.reason))).toBe(true);
    expect(p.qc.acceptedTry).toBe(1);
    expect(p.seeds.noise.noiseKey).toBe(1);
    expect(p.qc.settings).toMatchObject({ enabled: true, maxTries: 2 });
    // the cohort is not a failed job: COMPLETED, with its QC failure counted
    expect((await h.q(`SELECT status FROM "Cohort" WHERE id = $1`, [c.cohortId]))[0].status).toBe('COMPLETED');
    expect(listFiles(h.storageDir).filter((f) => f.includes(c.cohortId))).toHaveLength(2);
    expect((await replay(vid, MODELS_DIR)).identical).toBe(true);
  });

  it('an out-of-tolerance mask triggers a second try with a derived seed; it passes, is recorded SUCCEEDED and replays identically', async () => {
    if (w) await stopWorker(w);
    w = startWorker(h, { MODELS_DIR: lenientModels, QC_TEST_EMPTY_MASK_TRIES: '1', VERIFY_MODEL_HASHES: 'true' });
    await w.waitForLine((l) => l.msg === 'worker ready');
    const c = await seedCohort(h, { size: 1, modelsDir: lenientModels, samplerSettings: { numInferenceSteps: 4 }, qc: { maxTries: 3 } });
    const vid = c.volumeIds[0]!;
    const v = await waitFor('volume done', async () => (['SUCCEEDED', 'QC_FAILED', 'FAILED'].includes((await volume(vid)).status) ? volume(vid) : null), 40_000);
    expect(v.status, v.error).toBe('SUCCEEDED');
    const p = parseVolumeProvenance(v.provenance) as VolumeProvenanceV2;
    expect(p.qc.status).toBe('passed');
    expect(p.qc.tries).toHaveLength(2);
    expect(p.qc.tries[0]).toMatchObject({ index: 0, noiseKey: 0, passed: false });
    expect(p.qc.tries[0]!.checks.find((ch) => ch.name === 'tumour present')).toMatchObject({ passed: false, measured: 0, reason: expect.stringMatching(/tumour missing: 0 voxel/) });
    expect(p.qc.tries[1]).toMatchObject({ index: 1, noiseKey: 1, passed: true });
    expect(p.seeds.noise).toMatchObject({ noiseKey: 1 });
    expect(w.lines.some((l) => l.volumeId === vid && l.msg === 'volume failed quality control; generating again with a derived seed')).toBe(true);
    expect((await replay(vid, lenientModels)).identical).toBe(true);
  });
});
