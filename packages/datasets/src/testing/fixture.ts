/**
 * A fake dataset version for tests and the benchmark: real NIfTI-1 .nii.gz files (float32 noise image,
 * uint8 ellipsoid mask) written to a Storage, and the volume/cohort rows the API would read from the
 * database. Deterministic for a given seed.
 */
import { writeNifti } from '@slicewise/nifti';
import type { ProvenanceQc } from '@slicewise/provenance';
import { exampleVolumeProvenance } from '@slicewise/provenance/testing';
import type { Storage } from '@slicewise/storage';
import type { CohortInput, ManifestInput, VolumeInput } from '../manifest.ts';

/** xorshift32: a tiny seeded PRNG for fixtures (not for science). */
export class FixtureRng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.s = x;
    return x / 0x100000000;
  }
}

function uuid(rng: FixtureRng): string {
  const h = Array.from({ length: 32 }, () => Math.floor(rng.next() * 16).toString(16)).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface FakeVersionOptions {
  volumes: number;
  cohorts?: number;
  seed?: number;
  /** Grid [D, H, W]; default 16^3. */
  shapeDhw?: [number, number, number];
  /** Added to every requested/measured feature (to make a shifted distribution for diff tests). */
  featureShift?: number;
  /** Quality control of volume i (default: passed on the first try); see qcFixture for ready-made outcomes. */
  qc?: (i: number, measured: number[]) => ProvenanceQc | undefined;
}

/** Quality-control records for fixtures: passed after `tries` generations, failed on all of them, or not run. */
export function qcFixture(status: 'passed' | 'failed' | 'not-run', tries = 1, measured: number[] | null = null): ProvenanceQc {
  const settings = { enabled: status !== 'not-run', disabledReason: status === 'not-run' ? 'quality control turned off by the cohort request' : null, maxTries: 3, minTumourVoxels: 10, tolerances: { voxel_volume: 0.2 }, brainOutline: null, intensity: null };
  const failCheck = { name: 'voxel_volume', passed: false, measured: 0.9, limit: '|measured - requested 0.3| <= 0.2', reason: 'voxel_volume: measured 0.9, requested 0.3, error 0.6 > tolerance 0.2' };
  const passCheck = { name: 'tumour present', passed: true, measured: 40, limit: '>= 10 voxels', reason: null };
  if (status === 'not-run') return { status, notRunReason: settings.disabledReason, settings, tries: [{ index: 0, noiseKey: 0, rng: 'createRng(1).fork(0)', measured, checks: [], passed: true }], acceptedTry: 0 };
  const list = Array.from({ length: tries }, (_, t) => {
    const passed = status === 'passed' && t === tries - 1;
    return { index: t, noiseKey: t, rng: `createRng(1).fork(0)${t ? `.fork(${t})` : ''}`, measured, checks: passed ? [passCheck] : [passCheck, failCheck], passed };
  });
  return { status, notRunReason: null, settings, tries: list, acceptedTry: tries - 1 };
}

export async function writeFakeVersion(storage: Storage, opts: FakeVersionOptions): Promise<ManifestInput> {
  const rng = new FixtureRng(opts.seed ?? 1);
  const [D, H, W] = opts.shapeDhw ?? [16, 16, 16];
  const nCohorts = opts.cohorts ?? 2;
  const projectId = uuid(rng);
  const cohorts: CohortInput[] = Array.from({ length: nCohorts }, (_, c) => ({
    id: uuid(rng),
    name: `cohort ${c}`,
    seed: BigInt(1000 + c),
    samplerSettings: { steps: 50, guidanceScale: 1.5 },
    model: { id: uuid(rng), name: 'sbldm-brats', version: '1.0.0', fileHashes: { 'denoiser.onnx': 'a'.repeat(64), 'decoder.onnx': 'b'.repeat(64) } },
    distributionVersion: { id: uuid(rng), distributionId: uuid(rng), version: 3, specHash: 'c'.repeat(64), spec: { kind: 'uniform-box' } },
    requestedBy: { id: uuid(rng), email: 'ada@example.org' },
    createdAt: new Date(Date.UTC(2026, 0, 1 + c)),
  }));
  const shift = opts.featureShift ?? 0;
  const volumes: VolumeInput[] = [];
  for (let i = 0; i < opts.volumes; i++) {
    const cohort = cohorts[i % nCohorts]!;
    const subjectIndex = Math.floor(i / nCohorts);
    const image = new Float32Array(D * H * W);
    for (let k = 0; k < image.length; k++) image[k] = rng.next();
    const mask = new Uint8Array(D * H * W);
    const r = 2 + rng.next() * 4;
    for (let z = 0; z < D; z++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      if ((z - D / 2) ** 2 + (y - H / 2) ** 2 + (x - W / 2) ** 2 <= r * r) mask[(z * H + y) * W + x] = 1;
    }
    const id = uuid(rng);
    const base = `cohorts/${cohort.id}/${String(subjectIndex).padStart(5, '0')}-${id.slice(0, 8)}`;
    const img = await storage.putAtomic(`${base}-image.nii.gz`, writeNifti({ data: image, shapeDHW: [D, H, W], spacingMm: [1, 1, 1], gzipLevel: 1 }));
    const msk = await storage.putAtomic(`${base}-mask.nii.gz`, writeNifti({ data: mask, shapeDHW: [D, H, W], spacingMm: [1, 1, 1], intent: 'label', gzipLevel: 1 }));
    const requested = Array.from({ length: 9 }, () => rng.next() + shift);
    const measured = requested.map((v) => v + (rng.next() - 0.5) * 0.05);
    volumes.push({
      id,
      cohortId: cohort.id,
      subjectIndex,
      imageKey: img.key,
      imageSha256: img.sha256,
      imageBytes: BigInt(img.bytes),
      maskKey: msk.key,
      maskSha256: msk.sha256,
      maskBytes: BigInt(msk.bytes),
      requestedCondition: { featureNames: ['voxel_volume', 'surface_area', 'sphericity', 'x', 'y', 'z', 'w', 'h', 'd'], vector: requested },
      measuredCondition: {
        featureNames: ['voxel_volume', 'surface_area', 'sphericity', 'x', 'y', 'z', 'w', 'h', 'd'],
        vector: measured,
        empty: false,
        physical: { volumeMl: measured[0]! * 40, surfaceAreaMm2: measured[1]! * 9000, sphericity: measured[2]!, centroidMm: [120, 120, 77], extentsMm: [30, 28, 25] },
      },
      provenance: exampleVolumeProvenance({
        volumeId: id,
        cohortId: cohort.id,
        subjectIndex,
        cohortSeed: Number(cohort.seed),
        volumeSeed: 5000 + i,
        requested,
        measured,
        image: img,
        mask: msk,
        workerId: `worker-${i % 3}`,
        createdAt: new Date(Date.UTC(2026, 0, 2, 0, 0, i)).toISOString(),
        qc: opts.qc?.(i, measured),
      }),
      reviewState: i % 5 === 0 ? 'ACCEPTED' : 'UNREVIEWED',
      reviewedBy: i % 5 === 0 ? cohort.requestedBy : null,
      reviewedAt: i % 5 === 0 ? new Date(Date.UTC(2026, 0, 3)) : null,
    });
  }
  return { projectId, cohorts, volumes };
}
