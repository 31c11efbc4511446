/**
 * One subject, model in memory, no database or files: condition vector -> latent -> decoded slices ->
 * image + thresholded mask (then the model's declared mask post-processing). Shared by the worker, replay and
 * the benchmark.
 *
 * Notation (shared design/model.md; metadata.latent.convention):
 *   z_scaled [C, D, h, w]  sampled by the cohort's sampler (DDIM, DDPM, DPM-Solver++(2M), UniPC); decoder input for slice d: z_scaled[:, d] / scale_factor
 *   x = decoder(z, d) [N, 2, H, W]: channel 0 image (clamped to its declared range), channel 1 mask
 *   (x[1] > threshold -> 1, uint8), stacked to [D, H, W].
 */
import { createRng, createScheduler, sample, type DiffusionScheduler } from '@slicewise/sampler';
import { largestComponent } from '@slicewise/conditioning';
import type { MaskPostprocess, ModelMetadata, SamplerSettings } from '@slicewise/models';
import type { OrtModel } from '../onnx/index.ts';
import { buildDenoiserFeeds, planDenoiser, spatialChannelFor } from './inputs.ts';


export interface GenerateRequest {
  ort: OrtModel;
  condition: readonly number[];
  settings: SamplerSettings;
  /** Philox key of the subject's noise: createRng(noiseSeed).fork(subjectIndex), then .fork(noiseKey) when noiseKey > 0. */
  noiseSeed: number;
  subjectIndex: number;
  /** 0: the volume's own noise; > 0: a regeneration's derived stream (quality.ts noiseKeyOf). */
  noiseKey?: number;
  decodeBatchSlices: number;
  signal?: AbortSignal;
  /** After each denoising step (cancellation checks, progress). */
  onStep?: (stepIndex: number, totalSteps: number) => void | Promise<void>;
  /** Testing: sleep after every step. */
  stepDelayMs?: number;
}

export interface MaskPostprocessRecord {
  op: MaskPostprocess['op'];
  connectivity: number;
  /** Components of the thresholded mask before post-processing. */
  componentsBefore: number;
  removedVoxels: number;
}

export interface GenerateResult {
  image: Float32Array; // [D, H, W]
  mask: Uint8Array; // [D, H, W], 0/1, after the model's declared post-processing
  /** What the model's mask post-processing did; null when the model declares none. */
  maskPostprocess: MaskPostprocessRecord | null;
  latent: Float32Array; // [C, D, h, w] z_scaled
  timings: { denoiserMs: number; samplerOverheadMs: number; decoderMs: number; totalMs: number };
  denoiserCalls: number;
  denoiserRows: number;
}

export function makeScheduler(meta: ModelMetadata, s: SamplerSettings): DiffusionScheduler {
  const schedule = {
    numTrainTimesteps: meta.schedule.num_train_timesteps,
    betaSchedule: meta.schedule.beta_schedule,
    betaStart: meta.schedule.beta_start,
    betaEnd: meta.schedule.beta_end,
    predictionType: meta.schedule.prediction_type,
  };
  return createScheduler(schedule, { sampler: s.sampler, timestepSpacing: s.timestepSpacing, stepsOffset: s.stepsOffset, eta: s.eta, setAlphaToOne: s.setAlphaToOne });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The noise stream of one generation; its description goes into provenance. */
export function noiseRng(noiseSeed: number, subjectIndex: number, noiseKey: number) {
  const base = createRng(noiseSeed).fork(subjectIndex);
  return noiseKey > 0 ? base.fork(noiseKey) : base;
}
export const describeNoise = (noiseSeed: number, subjectIndex: number, noiseKey: number) =>
  `createRng(${noiseSeed}).fork(${subjectIndex})${noiseKey > 0 ? `.fork(${noiseKey})` : ''}`;

export async function generateVolume(req: GenerateRequest): Promise<GenerateResult> {
  const meta = req.ort.model.metadata;
  const plan = planDenoiser(meta);
  const t0 = performance.now();
  const [C, D, h, w] = meta.latent.stacked_shape_cdhw;
  const spatial = spatialChannelFor(plan, req.condition);
  const guided = plan.nullCondition !== null;
  let denoiserMs = 0;
  let calls = 0;
  let rowsTotal = 0;
  const latent5 = await sample({
    scheduler: makeScheduler(meta, req.settings),
    numInferenceSteps: req.settings.numInferenceSteps,
    shape: [1, C, D, h, w],
    rng: noiseRng(req.noiseSeed, req.subjectIndex, req.noiseKey ?? 0),
    ...(plan.condName ? { condition: Float32Array.from(req.condition) } : {}),
    ...(guided ? { nullCondition: plan.nullCondition!, guidanceScale: req.settings.guidanceScale, guidanceInterval: req.settings.guidanceInterval } : {}),
    ...(req.signal ? { signal: req.signal } : {}),
    denoise: async ({ xt, shape, t, condition }) => {
      const rows = shape[0]!;
      const feeds = buildDenoiserFeeds(plan, xt, rows, t, condition, spatial, 1);
      const s = performance.now();
      const out = await req.ort.run('denoiser', feeds);
      denoiserMs += performance.now() - s;
      calls++;
      rowsTotal += rows;
      return out[plan.epsName]!.data;
    },
    onStep: async ({ stepIndex, totalSteps }) => {
      if (req.stepDelayMs) await sleep(req.stepDelayMs);
      await req.onStep?.(stepIndex, totalSteps);
    },
  });
  const tSampled = performance.now();
  const decoded = await decodeLatent(req.ort, latent5, req.decodeBatchSlices, req.signal);
  const { image, mask, maskPostprocess } = postprocessMask(meta, decoded);
  const tDecoded = performance.now();
  return {
    image,
    mask,
    maskPostprocess,
    latent: latent5,
    timings: {
      denoiserMs,
      samplerOverheadMs: tSampled - t0 - denoiserMs,
      decoderMs: tDecoded - tSampled,
      totalMs: tDecoded - t0,
    },
    denoiserCalls: calls,
    denoiserRows: rowsTotal,
  };
}

/**
 * The mask post-processing the model declares (metadata volume.channels[mask].postprocess), if any:
 * largest_component keeps the largest 6-connected component (training tumours are one component).
 */
export function postprocessMask(
  meta: ModelMetadata,
  decoded: { image: Float32Array; mask: Uint8Array },
): { image: Float32Array; mask: Uint8Array; maskPostprocess: MaskPostprocessRecord | null } {
  const pp = meta.volume.channels.find((c) => c.name === 'mask')?.postprocess;
  if (!pp) return { ...decoded, maskPostprocess: null };
  const r = largestComponent(decoded.mask, meta.volume.shape_dhw);
  return {
    image: decoded.image,
    mask: r.mask,
    maskPostprocess: { op: pp.op, connectivity: pp.connectivity, componentsBefore: r.components, removedVoxels: r.removedVoxels },
  };
}

/** Decode z_scaled [C, D, h, w] slice by slice, `batch` slices per decoder call. */
export async function decodeLatent(
  ort: OrtModel,
  zScaled: Float32Array,
  batch: number,
  signal?: AbortSignal,
): Promise<{ image: Float32Array; mask: Uint8Array }> {
  const meta = ort.model.metadata;
  const [C, D, h, w] = meta.latent.stacked_shape_cdhw;
  const [VD, H, W] = meta.volume.shape_dhw;
  if (VD !== D) throw new Error(`volume.shape_dhw D = ${VD} differs from the latent depth ${D}`);
  const dec = meta.graphs.decoder;
  const zName = dec.inputs.find((i) => i.dtype === 'float32')!.name;
  const idxName = dec.inputs.find((i) => i.dtype === 'int64')?.name;
  const outName = dec.outputs[0]!.name;
  const imageCh = meta.volume.channels.find((c) => c.name === 'image') ?? meta.volume.channels[0]!;
  const maskCh = meta.volume.channels.find((c) => c.name === 'mask');
  if (!maskCh || maskCh.threshold === undefined) throw new Error('metadata.volume.channels needs a "mask" channel with a threshold');
  const [lo, hi] = imageCh.range;
  const threshold = maskCh.threshold;
  const nCh = meta.volume.channels.length;
  const scale = meta.latent.scale_factor;
  const hw = h * w;
  const HW = H * W;
  const image = new Float32Array(D * HW);
  const mask = new Uint8Array(D * HW);
  for (let d0 = 0; d0 < D; d0 += batch) {
    if (signal?.aborted) throw signal.reason ?? new Error('aborted');
    const n = Math.min(batch, D - d0);
    const z = new Float32Array(n * C * hw);
    for (let k = 0; k < n; k++) {
      for (let c = 0; c < C; c++) {
        const src = (c * D + d0 + k) * hw;
        const dst = (k * C + c) * hw;
        for (let i = 0; i < hw; i++) z[dst + i] = zScaled[src + i]! / scale;
      }
    }
    const feeds: Record<string, import('../onnx/index.ts').Feed> = { [zName]: { type: 'float32', data: z, dims: [n, C, h, w] } };
    if (idxName) feeds[idxName] = { type: 'int64', data: BigInt64Array.from({ length: n }, (_, k) => BigInt(d0 + k)), dims: [n] };
    const x = (await ort.run('decoder', feeds))[outName]!.data; // [n, nCh, H, W]
    for (let k = 0; k < n; k++) {
      const imgSrc = (k * nCh + imageCh.index) * HW;
      const mSrc = (k * nCh + maskCh.index) * HW;
      const dst = (d0 + k) * HW;
      for (let i = 0; i < HW; i++) {
        const v = x[imgSrc + i]!;
        image[dst + i] = v < lo ? lo : v > hi ? hi : v;
        mask[dst + i] = x[mSrc + i]! > threshold ? 1 : 0;
      }
    }
  }
  return { image, mask };
}
