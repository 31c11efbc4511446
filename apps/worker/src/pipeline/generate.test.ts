import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, resolveSamplerSettings } from '@slicewise/models';
import { SamplingCancelled } from '@slicewise/sampler';
import { OrtModel } from '../onnx/index.ts';
import { decodeLatent, generateVolume, postprocessMask } from './generate.ts';

const MODELS_DIR = path.resolve(import.meta.dirname, '../../../../models');
let ort: OrtModel;
const cond = [0.3, 0.5, 0.9, 0.5, 0.5, 0.5, 0.3, 0.3, 0.3];

beforeAll(async () => {
  ort = await OrtModel.load(await loadModel(MODELS_DIR, 'tiny-random'), { executionProvider: 'cpu', intraOpThreads: 1 });
});
afterAll(async () => {
  await ort?.dispose();
});

describe('generateVolume', () => {
  const settings = () => resolveSamplerSettings(ort.model.metadata, { numInferenceSteps: 5 });
  it('is deterministic per (seed, subject) and differs across subjects', async () => {
    const a = await generateVolume({ ort, condition: cond, settings: settings(), noiseSeed: 7, subjectIndex: 3, decodeBatchSlices: 16 });
    const b = await generateVolume({ ort, condition: cond, settings: settings(), noiseSeed: 7, subjectIndex: 3, decodeBatchSlices: 5 });
    const c = await generateVolume({ ort, condition: cond, settings: settings(), noiseSeed: 7, subjectIndex: 4, decodeBatchSlices: 16 });
    expect(Buffer.from(a.image.buffer).equals(Buffer.from(b.image.buffer))).toBe(true); // decode batch size does not matter
    expect(Buffer.from(a.mask).equals(Buffer.from(b.mask))).toBe(true);
    expect(Buffer.from(a.latent.buffer).equals(Buffer.from(c.latent.buffer))).toBe(false);
    expect(a.denoiserCalls).toBe(5);
    expect(a.denoiserRows).toBe(10); // guidance: conditional + null rows in one call
    expect(a.image.length).toBe(16 ** 3);
    expect(a.image.every((v) => v >= -1 && v <= 1)).toBe(true);
  });

  it('runs the multistep solvers, and a guidance interval halves the rows outside it (#15)', async () => {
    const meta = ort.model.metadata;
    const base = { ort, condition: cond, noiseSeed: 7, subjectIndex: 3, decodeBatchSlices: 16 };
    const unipc = await generateVolume({ ...base, settings: resolveSamplerSettings(meta, { sampler: 'unipc', numInferenceSteps: 6 }) });
    const dpm = await generateVolume({ ...base, settings: resolveSamplerSettings(meta, { sampler: 'dpmpp_2m', numInferenceSteps: 6 }) });
    expect([unipc.denoiserCalls, unipc.denoiserRows, dpm.denoiserCalls, dpm.denoiserRows]).toEqual([6, 12, 6, 12]);
    expect(Buffer.from(unipc.latent.buffer).equals(Buffer.from(dpm.latent.buffer))).toBe(false);
    expect(unipc.image.every((v) => v >= -1 && v <= 1)).toBe(true);
    // 'leading' spacing over T = 1000 with 6 steps: t = 834, 667, 500, 333, 166, 1 (diffusers); [400, 999] holds 3
    const T = meta.schedule.num_train_timesteps;
    const interval = await generateVolume({ ...base, settings: resolveSamplerSettings(meta, { sampler: 'unipc', numInferenceSteps: 6, guidanceInterval: [Math.round(0.4 * T), T - 1] }) });
    expect(interval.denoiserCalls).toBe(6);
    expect(interval.denoiserRows).toBeGreaterThan(6);
    expect(interval.denoiserRows).toBeLessThan(12);
    expect(Buffer.from(interval.latent.buffer).equals(Buffer.from(unipc.latent.buffer))).toBe(false);
  });

  it('decodes slice d with slice_index d and z / scale_factor, thresholding the mask channel at 0', async () => {
    const [C, D, h, w] = ort.model.metadata.latent.stacked_shape_cdhw;
    const z = new Float32Array(C * D * h * w);
    for (let i = 0; i < z.length; i++) z[i] = Math.sin(i * 0.37);
    const { image, mask } = await decodeLatent(ort, z, 4);
    // slice 9 alone, straight through the decoder
    const d = 9;
    const zs = new Float32Array(C * h * w);
    for (let c = 0; c < C; c++) zs.set(z.subarray((c * D + d) * h * w, (c * D + d + 1) * h * w), c * h * w);
    const x = (await ort.run('decoder', { z: { type: 'float32', data: zs, dims: [1, C, h, w] }, slice_index: { type: 'int64', data: BigInt64Array.from([BigInt(d)]), dims: [1] } })).x!.data;
    const HW = 16 * 16;
    for (let i = 0; i < HW; i++) {
      expect(image[d * HW + i]).toBe(Math.min(1, Math.max(-1, x[i]!)));
      expect(mask[d * HW + i]).toBe(x[HW + i]! > 0 ? 1 : 0);
    }
  });

  it('stops at the next step when aborted', async () => {
    const abort = new AbortController();
    let steps = 0;
    const p = generateVolume({
      ort, condition: cond, settings: resolveSamplerSettings(ort.model.metadata, { numInferenceSteps: 50 }), noiseSeed: 1, subjectIndex: 0, decodeBatchSlices: 16,
      signal: abort.signal,
      onStep: (i) => {
        steps = i + 1;
        if (i === 2) abort.abort();
      },
    });
    await expect(p).rejects.toBeInstanceOf(SamplingCancelled);
    expect(steps).toBe(3);
  });
});

describe('parity with the PyTorch reference (models/training)', () => {
  it('the worker latent equals ddim_sample with the torch UNet on the same weights (<= 1e-4)', async () => {
    const { execFileSync } = await import('node:child_process');
    let out: string;
    try {
      out = execFileSync('/usr/bin/python3', [
        path.resolve(import.meta.dirname, '../../bench/torch_reference.py'), 'latent', '--model-dir', path.join(MODELS_DIR, 'tiny-random'),
        '--steps', '8', '--eta', '1', '--guidance', '2', '--seed', '42', '--subject', '5', '--cond', JSON.stringify(cond),
      ], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      if (/No module named 'torch'|ENOENT/.test(String((e as { stderr?: string }).stderr ?? e))) return; // no Python/torch here
      throw e;
    }
    const ref = JSON.parse(out.trim().split('\n').pop()!);
    const refLatent = new Float32Array(Buffer.from(ref.latent, 'base64').buffer.slice(0));
    const g = await generateVolume({
      ort, condition: cond, settings: resolveSamplerSettings(ort.model.metadata, { numInferenceSteps: 8, eta: 1, guidanceScale: 2 }),
      noiseSeed: 42, subjectIndex: 5, decodeBatchSlices: 16,
    });
    expect(refLatent.length).toBe(g.latent.length);
    let maxDiff = 0;
    for (let i = 0; i < g.latent.length; i++) maxDiff = Math.max(maxDiff, Math.abs(g.latent[i]! - refLatent[i]!));
    expect(maxDiff).toBeLessThanOrEqual(1e-4);
  }, 60_000);
});

describe('postprocessMask', () => {
  it('keeps the largest 6-connected component when the model declares it, and nothing otherwise', async () => {
    const meta = ort.model.metadata;
    const [D, H, W] = meta.volume.shape_dhw;
    const mask = new Uint8Array(D * H * W);
    const at = (d: number, h: number, w: number) => (d * H + h) * W + w;
    for (let w = 2; w < 7; w++) mask[at(5, 5, w)] = 1; // 5-voxel tumour
    mask[at(1, 1, 1)] = 1; // two specks
    mask[at(10, 12, 3)] = 1;
    const image = new Float32Array(D * H * W);
    const plain = postprocessMask(meta, { image, mask });
    expect(plain.maskPostprocess).toBeNull();
    expect(plain.mask).toBe(mask);
    const declared = structuredClone(meta);
    declared.volume.channels.find((c) => c.name === 'mask')!.postprocess = { op: 'largest_component', connectivity: 6 };
    const r = postprocessMask(declared, { image, mask });
    expect(r.maskPostprocess).toEqual({ op: 'largest_component', connectivity: 6, componentsBefore: 3, removedVoxels: 2 });
    expect(r.mask.reduce((a, b) => a + b, 0)).toBe(5);
    expect(r.mask[at(1, 1, 1)]).toBe(0);
    expect(r.image).toBe(image);
  });
});
