import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type LoadedModel } from '@slicewise/models';
import { OnnxInputError, OnnxRunError, OrtModel, checkFeeds, matmulModelBytes, measureMatMulPeak, ORT_VERSION } from './index.ts';

const MODELS_DIR = path.resolve(import.meta.dirname, '../../../../models');
let model: LoadedModel;
let ort: OrtModel;

beforeAll(async () => {
  model = await loadModel(MODELS_DIR, 'tiny-random');
  ort = await OrtModel.load(model, { executionProvider: 'cpu', intraOpThreads: 1 });
});
afterAll(async () => {
  await ort?.dispose();
});

const feeds = (B: number, condDim = 9, channels = 5) => ({
  x_t: { type: 'float32' as const, data: new Float32Array(B * channels * 16 * 64), dims: [B, channels, 16, 8, 8] },
  t: { type: 'int64' as const, data: new BigInt64Array(B), dims: [B] },
  cond: { type: 'float32' as const, data: new Float32Array(B * condDim), dims: [B, condDim] },
});

describe('OrtModel', () => {
  it('holds one session per graph and runs the denoiser', async () => {
    expect(ort.has('encoder') && ort.has('decoder') && ort.has('denoiser')).toBe(true);
    expect(ORT_VERSION).toBe('1.30.0');
    const out = await ort.run('denoiser', feeds(2));
    expect(out.eps!.dims).toEqual([2, 4, 16, 8, 8]);
    expect(out.eps!.data.every(Number.isFinite)).toBe(true);
  });

  it('checks inputs against the metadata before running, listing every problem', async () => {
    const bad = { ...feeds(2), cond: { type: 'float32' as const, data: new Float32Array(3 * 8), dims: [3, 8] } };
    const err = await ort.run('denoiser', bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OnnxInputError);
    const msg = (err as Error).message;
    expect(msg).toContain('input "cond" axis 0 ("B") is 3, but "B" = 2 in another input');
    expect(msg).toContain('input "cond" axis 1 is 8, metadata declares 9');
    expect(msg).toContain('x_t: float32[2, 5, 16, 8, 8]');
    const { t: _t, ...missing } = feeds(1);
    await expect(ort.run('denoiser', missing)).rejects.toThrow(/missing input "t"/);
    await expect(ort.run('denoiser', { ...feeds(1), t: { type: 'float32', data: new Float32Array(1), dims: [1] } })).rejects.toThrow(/input "t" has type float32, metadata declares int64/);
  });

  it('a runtime failure reports every input name, dims and type', () => {
    // checkFeeds is what guards run(); a graph whose declared shape differs from the session's is caught by ORT
    const spec = { ...model.metadata.graphs.denoiser, inputs: model.metadata.graphs.denoiser.inputs.map((i) => (i.name === 'x_t' ? { ...i, shape: ['B', 6, 16, 8, 8] } : i)) };
    expect(() => checkFeeds('denoiser', spec, ['x_t', 't', 'cond'], feeds(1))).toThrow(/axis 1 is 5, metadata declares 6/);
  });

  it('ORT errors are rethrown with the inputs described', async () => {
    // bypass the metadata check by lying in the metadata copy: ORT itself then refuses the shape
    const lying = { ...model, metadata: { ...model.metadata, graphs: { ...model.metadata.graphs, denoiser: { ...model.metadata.graphs.denoiser, inputs: model.metadata.graphs.denoiser.inputs.map((i) => (i.name === 'x_t' ? { ...i, shape: ['B', 6, 16, 8, 8] } : i)) } } } } as LoadedModel;
    const o = await OrtModel.load(lying, { executionProvider: 'cpu', intraOpThreads: 1 });
    try {
      const err = await o.run('denoiser', feeds(1, 9, 6)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OnnxRunError);
      expect((err as Error).message).toMatch(/x_t: float32\[1, 6, 16, 8, 8\].*t: int64\[1\].*cond: float32\[1, 9\]/);
    } finally {
      await o.dispose();
    }
  });

  it('refuses a graph whose inputs differ from the metadata at load', async () => {
    const renamed = { ...model, metadata: { ...model.metadata, graphs: { ...model.metadata.graphs, decoder: { ...model.metadata.graphs.decoder, inputs: [{ ...model.metadata.graphs.decoder.inputs[0]!, name: 'latent' }, model.metadata.graphs.decoder.inputs[1]!] } } } } as LoadedModel;
    await expect(OrtModel.load(renamed, { executionProvider: 'cpu', intraOpThreads: 1 })).rejects.toThrow(/graph decoder \(decoder.onnx\) has inputs \[slice_index, z\], metadata declares \[latent, slice_index\]/);
  });

  it('CUDA request falls back to CPU with a recorded reason (no GPU here) or uses CUDA', async () => {
    const reasons: string[] = [];
    const o = await OrtModel.load(model, { executionProvider: 'cuda', intraOpThreads: 1, onFallback: (r) => reasons.push(r) });
    try {
      expect(o.provider.requested).toBe('cuda');
      if (o.provider.used === 'cpu') {
        expect(o.provider.fallbackReason).toMatch(/CUDA/);
        expect(reasons).toHaveLength(1);
      }
      expect((await o.run('denoiser', feeds(1))).eps!.dims).toEqual([1, 4, 16, 8, 8]);
    } finally {
      await o.dispose();
    }
  });

  it('dispose releases the sessions', async () => {
    const o = await OrtModel.load(model, { executionProvider: 'cpu', intraOpThreads: 1 });
    await o.dispose();
    await expect(o.run('denoiser', feeds(1))).rejects.toThrow(/disposed/);
  });

  it('measures a MatMul peak with a hand-built ONNX graph', async () => {
    expect(matmulModelBytes(4).length).toBeGreaterThan(20);
    const p = await measureMatMulPeak(128, 1, 3);
    expect(p.gflops).toBeGreaterThan(0.1);
  });
});
