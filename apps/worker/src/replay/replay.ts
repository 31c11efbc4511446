/**
 * Replay: regenerate a volume from its provenance record and compare with what was recorded.
 * Identical sha256 of both files -> bit-identical. Otherwise: the maximum absolute voxel difference of the
 * image, the Dice of the masks, and the reasons that can explain it (execution provider, thread count,
 * ORT / Node version, platform, code revision, model files).
 */
import os from 'node:os';
import { createHash } from 'node:crypto';
import { modelConditioningFromMetadata, sampleConditionVector, validateSpec } from '@slicewise/conditioning';
import { isGeneratedVolume } from '@slicewise/lifecycle';
import { loadModel } from '@slicewise/models';
import { generationInputsOf, parseVolumeProvenance, samplerSettingsOf } from '@slicewise/provenance';
import { parseNifti } from '@slicewise/nifti';
import { readAll, type Storage } from '@slicewise/storage';
import { OrtModel, ORT_VERSION } from '../onnx/index.ts';
import { generateVolume } from '../pipeline/generate.ts';
import { encodeOutputs } from '../pipeline/run-volume.ts';
import type { VolumeRepository } from '../pipeline/volume.repository.ts';

export interface ReplayOptions {
  modelsDir: string;
  storage: Storage;
  repo: VolumeRepository;
  /** Default: the recorded thread count. */
  intraOpThreads?: number;
  /** Default: the recorded provider actually used. */
  executionProvider?: 'cpu' | 'cuda';
  decodeBatchSlices?: number;
  codeRevision: string;
}

export interface ReplayReport {
  volumeId: string;
  identical: boolean;
  image: { recordedSha256: string; replayedSha256: string; identical: boolean; maxAbsDiff: number | null };
  mask: { recordedSha256: string; replayedSha256: string; identical: boolean; dice: number | null };
  conditionRedrawIdentical: boolean;
  differences: string[];
  replayRuntime: { executionProvider: string; intraOpThreads: number; ortVersion: string; node: string; platform: string; codeRevision: string };
  ms: number;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`cannot compare arrays of ${a.length} and ${b.length} voxels`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (d > m || Number.isNaN(d)) m = d;
  }
  return m;
}

/** Dice = 2 |A n B| / (|A| + |B|); 1 when both masks are empty. */
export function dice(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`cannot compare masks of ${a.length} and ${b.length} voxels`);
  let inter = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]! > 0, y = b[i]! > 0;
    if (x) na++;
    if (y) nb++;
    if (x && y) inter++;
  }
  return na + nb === 0 ? 1 : (2 * inter) / (na + nb);
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export async function replayVolume(volumeId: string, opts: ReplayOptions): Promise<ReplayReport> {
  const t0 = performance.now();
  const v = await opts.repo.loadForReplay(volumeId);
  if (!v) throw new Error(`volume ${volumeId} not found`);
  if (!isGeneratedVolume(v.status) || !v.provenance || !v.imageKey || !v.maskKey || !v.imageSha256 || !v.maskSha256) {
    throw new Error(`volume ${volumeId} has status ${v.status} and no complete provenance/outputs: nothing to replay`);
  }
  const p = parseVolumeProvenance(v.provenance);
  const differences: string[] = [];
  const model = await loadModel(opts.modelsDir, p.model.name);
  for (const [file, h] of Object.entries(p.model.fileHashes)) {
    if (model.fileHashes[file] !== h) differences.push(`model file ${file}: recorded ${h}, now ${model.fileHashes[file] ?? 'absent'}`);
  }
  const threads = opts.intraOpThreads ?? p.runtime.intraOpThreads;
  const provider = opts.executionProvider ?? p.runtime.executionProvider.used;
  const ort = await OrtModel.load(model, { executionProvider: provider, intraOpThreads: threads });
  try {
    const rec = p.runtime;
    if (rec.executionProvider.used !== ort.provider.used) differences.push(`execution provider: recorded ${rec.executionProvider.used}, replay ${ort.provider.used}`);
    if (rec.intraOpThreads !== threads) differences.push(`intra-op threads: recorded ${rec.intraOpThreads}, replay ${threads}`);
    if (rec.ortVersion !== ORT_VERSION) differences.push(`onnxruntime: recorded ${rec.ortVersion}, replay ${ORT_VERSION}`);
    if (rec.node !== process.version) differences.push(`node: recorded ${rec.node}, replay ${process.version}`);
    if (rec.platform !== `${process.platform}-${process.arch}`) differences.push(`platform: recorded ${rec.platform}, replay ${process.platform}-${process.arch}`);
    if (rec.cpu !== (os.cpus()[0]?.model ?? 'unknown')) differences.push(`cpu: recorded ${rec.cpu}, replay ${os.cpus()[0]?.model}`);
    if (p.worker.codeRevision !== opts.codeRevision) differences.push(`code revision: recorded ${p.worker.codeRevision}, replay ${opts.codeRevision}`);

    // the condition: recorded vector; re-drawn from the spec to check the draw is still the same
    const condition = p.condition.requested;
    const inputs = generationInputsOf(p); // the accepted try: fed (calibrated) vector and its noise key
    let redrawIdentical = false;
    const mc = modelConditioningFromMetadata(model.metadata);
    if (mc.ok) {
      const spec = validateSpec(v.cohort.distributionVersion.spec, mc.value);
      if (spec.ok) {
        const draw = sampleConditionVector(spec.spec, mc.value, { seed: Number(v.cohort.seed), index: v.subjectIndex, cohortSize: v.cohort.size });
        redrawIdentical = JSON.stringify(draw.vector) === JSON.stringify(condition);
      }
    }
    if (!redrawIdentical) differences.push('condition vector: re-drawing from the distribution version gives a different vector (sampler code changed?)');

    const gen = await generateVolume({
      ort,
      condition: inputs.condition,
      settings: samplerSettingsOf(p),
      noiseSeed: inputs.noiseSeed,
      subjectIndex: inputs.subjectIndex,
      noiseKey: inputs.noiseKey,
      decodeBatchSlices: opts.decodeBatchSlices ?? p.scheduler.decodeBatchSlices,
    });
    const out = encodeOutputs(model.metadata, gen, p.model.name, p.cohort.id, p.subjectIndex);
    const imageSha = sha(out.imageBytes), maskSha = sha(out.maskBytes);
    const imageSame = imageSha === v.imageSha256, maskSame = maskSha === v.maskSha256;
    let mad: number | null = imageSame ? 0 : null;
    let d: number | null = maskSame ? 1 : null;
    if (!imageSame || !maskSame) {
      const storedImage = parseNifti(await readAll(opts.storage, v.imageKey), { require3D: true });
      const storedMask = parseNifti(await readAll(opts.storage, v.maskKey), { require3D: true });
      mad = maxAbsDiff(storedImage.data as Float32Array, gen.image);
      d = dice(storedMask.data as Uint8Array, gen.mask);
      if (differences.length === 0) differences.push('no recorded setting differs: non-determinism inside the runtime (e.g. threaded reductions)');
    }
    return {
      volumeId,
      identical: imageSame && maskSame,
      image: { recordedSha256: v.imageSha256, replayedSha256: imageSha, identical: imageSame, maxAbsDiff: mad },
      mask: { recordedSha256: v.maskSha256, replayedSha256: maskSha, identical: maskSame, dice: d },
      conditionRedrawIdentical: redrawIdentical,
      differences,
      replayRuntime: { executionProvider: ort.provider.used, intraOpThreads: threads, ortVersion: ORT_VERSION, node: process.version, platform: `${process.platform}-${process.arch}`, codeRevision: opts.codeRevision },
      ms: performance.now() - t0,
    };
  } finally {
    await ort.dispose();
  }
}
