// One volume end to end through a real worker process and a real PostgreSQL.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { computeFeatures, modelConditioningFromMetadata, sampleConditionVector, validateSpec } from '@slicewise/conditioning';
import { readNifti } from '@slicewise/nifti';
import { parseVolumeProvenance } from '@slicewise/provenance';
import { LocalStorage } from '@slicewise/storage';
import { VolumeRepository } from '../src/pipeline/volume.repository.ts';
import { replayVolume } from '../src/replay/replay.ts';
import { createHarness, listFiles, MODELS_DIR, WORKER_DIR, seedCohort, startWorker, stopWorker, waitFor, type Harness, type WorkerProcess } from './helpers.ts';

let h: Harness;
let w: WorkerProcess;

beforeAll(async () => {
  h = await createHarness(inject('pgAdminUrl'), inject('pgTemplate'));
  w = startWorker(h);
  await w.waitForLine((l) => l.msg === 'worker ready');
});

afterAll(async () => {
  if (w) await stopWorker(w);
  await h?.close();
});

describe('worker end to end', () => {
  it('generates a volume: files readable, hashes match, provenance complete, cohort COMPLETED', async () => {
    const c = await seedCohort(h, { size: 2, samplerSettings: { numInferenceSteps: 6, eta: 0, guidanceScale: 2 } });
    await waitFor('cohort completed', async () => (await h.q(`SELECT status FROM "Cohort" WHERE id = $1`, [c.cohortId]))[0].status === 'COMPLETED', 30_000);
    const vols = await h.q(`SELECT * FROM "Volume" WHERE "cohortId" = $1 ORDER BY "subjectIndex"`, [c.cohortId]);
    expect(vols).toHaveLength(2);
    const cohort = (await h.q(`SELECT * FROM "Cohort" WHERE id = $1`, [c.cohortId]))[0];
    expect(cohort.startedAt).toBeInstanceOf(Date);
    expect(cohort.finishedAt).toBeInstanceOf(Date);

    const meta = JSON.parse(fs.readFileSync(path.join(MODELS_DIR, 'tiny-random', 'metadata.json'), 'utf8'));
    const mc = modelConditioningFromMetadata(meta);
    if (!mc.ok) throw new Error('metadata');
    for (const v of vols) {
      expect(v.status).toBe('SUCCEEDED');
      expect(v.attempts).toBe(1);
      expect(v.error).toBeNull();
      // files: readable NIfTI, hashes and sizes as recorded
      for (const [key, sha, bytes] of [[v.imageKey, v.imageSha256, v.imageBytes], [v.maskKey, v.maskSha256, v.maskBytes]] as const) {
        const file = fs.readFileSync(path.join(h.storageDir, key));
        expect(createHash('sha256').update(file).digest('hex')).toBe(sha);
        expect(BigInt(file.length)).toBe(BigInt(bytes));
      }
      const img = await readNifti(path.join(h.storageDir, v.imageKey), { require3D: true });
      const mask = await readNifti(path.join(h.storageDir, v.maskKey), { require3D: true });
      expect(img.dims).toEqual([16, 16, 16]);
      expect(img.data).toBeInstanceOf(Float32Array);
      expect(Math.max(...img.data) <= 1 && Math.min(...img.data) >= -1).toBe(true);
      expect(mask.data).toBeInstanceOf(Uint8Array);
      expect(mask.intentCode).toBe(1002);
      expect(new Set(mask.data).size).toBeLessThanOrEqual(2);
      expect([...new Set(mask.data)].every((x) => x === 0 || x === 1)).toBe(true);
      expect(mask.spacingMm).toEqual([1, 1, 1]);
      // RAS, centred: affine diagonal positive spacing
      expect(img.affine[0]![0]).toBe(1);
      expect(img.affine[1]![1]).toBe(1);
      expect(img.affine[2]![2]).toBe(1);

      // requested condition = the deterministic draw; measured = features of the written mask
      const spec = validateSpec({ version: 1, kind: 'training', name: 'training distribution' }, mc.value);
      if (!spec.ok) throw new Error('spec');
      const draw = sampleConditionVector(spec.spec, mc.value, { seed: 1234, index: v.subjectIndex, cohortSize: 2 });
      expect(v.requestedCondition.vector).toEqual(draw.vector);
      const f = computeFeatures(mask.data, [16, 16, 16], [1, 1, 1], { maxVoxelCount: meta.conditioning.normalisation.max_voxel_count, maxSurfaceArea: meta.conditioning.normalisation.max_surface_area });
      expect(v.measuredCondition.vector).toEqual(f.normalised);

      // the stored record is a valid VolumeProvenance of its declared schema (one type for builder and readers)
      const p = parseVolumeProvenance(v.provenance);
      expect(p.schema).toBe('slicewise-volume-provenance/2');
      if (p.schema !== 'slicewise-volume-provenance/2') throw new Error('schema');
      expect(p.qc).toMatchObject({ status: 'not-run', notRunReason: 'quality control turned off by the cohort request' });
      expect(p.condition.fed).toEqual(p.condition.requested); // tiny-random declares no calibration
      expect(p.cohort.id).toBe(c.cohortId);
      expect(p.distributionVersion).toMatchObject({ version: 1 });
      expect(p.subjectIndex).toBe(v.subjectIndex);
      expect(p.seeds).toMatchObject({ cohortSeed: '1234', volumeSeed: String(1000 + v.subjectIndex) });
      expect(p.condition.requested).toEqual(draw.vector);
      expect(p.condition.measured).toEqual(f.normalised);
      expect(p.model).toMatchObject({ name: 'tiny-random', fileHashes: { 'denoiser.onnx': meta.files['denoiser.onnx'].sha256 } });
      expect(p.scheduler).toMatchObject({ sampler: 'ddim', numInferenceSteps: 6, eta: 0, guidanceScale: 2, denoiserCalls: 6 });
      expect(p.runtime).toMatchObject({ executionProvider: { requested: 'cpu', used: 'cpu', fallbackReason: null }, ortVersion: '1.30.0', intraOpThreads: 1 });
      expect(p.worker).toMatchObject({ codeRevision: 'test-revision', attempt: 1 });
      expect(p.worker.host).toBeTypeOf('string');
      for (const k of ['denoiserMs', 'decoderMs', 'niftiEncodeMs', 'storageWriteAndHashMs', 'conditionMs', 'databaseReadMs']) expect(p.timings[k]).toBeGreaterThanOrEqual(0);
      expect(p.outputs.image).toMatchObject({ key: v.imageKey, sha256: v.imageSha256, bytes: Number(v.imageBytes), dtype: 'float32' });
      expect(p.outputs.mask).toMatchObject({ key: v.maskKey, sha256: v.maskSha256, bytes: Number(v.maskBytes), dtype: 'uint8', intent: 'label' });
    }
    // different subjects, different volumes; no temporary files left
    expect(vols[0].imageSha256).not.toBe(vols[1].imageSha256);
    expect(listFiles(h.storageDir).every((f) => !path.basename(f).startsWith('.tmp-'))).toBe(true);
    expect(listFiles(h.storageDir)).toHaveLength(4);
  });

  it('replays a volume bit-identically from its provenance (in process and through the CLI)', async () => {
    const [v] = await h.q(`SELECT id FROM "Volume" WHERE status = 'SUCCEEDED' ORDER BY "subjectIndex" LIMIT 1`);
    const repo = new VolumeRepository(h.db.url, { maxConnections: 1 });
    try {
      const r = await replayVolume(v.id, { modelsDir: MODELS_DIR, storage: new LocalStorage(h.storageDir), repo, codeRevision: 'test-revision' });
      expect(r).toMatchObject({ identical: true, conditionRedrawIdentical: true, image: { identical: true, maxAbsDiff: 0 }, mask: { identical: true, dice: 1 } });
      expect(r.differences).toEqual([]);
      // another thread count: either still identical, or the report says how far and why
      const r2 = await replayVolume(v.id, { modelsDir: MODELS_DIR, storage: new LocalStorage(h.storageDir), repo, codeRevision: 'other', intraOpThreads: 2 });
      expect(r2.differences).toEqual(expect.arrayContaining(['intra-op threads: recorded 1, replay 2', 'code revision: recorded test-revision, replay other']));
      if (!r2.identical) {
        expect(r2.image.maxAbsDiff).toBeLessThan(1e-3);
        expect(r2.mask.dice).toBeGreaterThan(0.9);
      }
    } finally {
      await repo.close();
    }
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'src/replay/replay-cli.ts', v.id], {
      cwd: WORKER_DIR,
      env: { PATH: process.env.PATH, DATABASE_URL: h.db.url, MODELS_DIR, STORAGE_DIR: h.storageDir, CODE_REVISION: 'test-revision' },
      encoding: 'utf8',
    });
    expect(JSON.parse(out.trim().split('\n').pop()!)).toMatchObject({ volumeId: v.id, identical: true });
  });

  it('/healthz and /readyz answer', async () => {
    const ready = await w.waitForLine((l) => l.msg === 'worker ready');
    const port = ready.healthPort;
    const hz = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(hz.status).toBe(200);
    const rz = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(rz.status).toBe(200);
    expect(await rz.json()).toEqual({ ok: true });
  });
});
