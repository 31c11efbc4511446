import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel } from '@slicewise/models';
import { OrtModel } from './runtime.ts';
import { ORT_VARIANTS, OrtVariantError, parseOrtVariants, sessionOptionsFor, WORKER_TUNING } from './session-tuning.ts';

const MODELS_DIR = path.resolve(import.meta.dirname, '../../../../models');

describe('parseOrtVariants', () => {
  it('all variants when unset, the baseline first', () => {
    const all = parseOrtVariants(undefined);
    expect(all.map((v) => v.name)).toEqual(ORT_VARIANTS.map((v) => v.name));
    expect(all[0]!.name).toBe('current');
  });

  it('always measures the baseline, first, once', () => {
    expect(parseOrtVariants('spin, extended').map((v) => v.name)).toEqual(['current', 'spin', 'extended']);
    expect(parseOrtVariants('extended,current').map((v) => v.name)).toEqual(['current', 'extended']);
  });

  it('refuses unknown names, listing the allowed ones', () => {
    expect(() => parseOrtVariants('spin,turbo')).toThrow(OrtVariantError);
    expect(() => parseOrtVariants('spin,turbo')).toThrow(/BENCH_ORT_VARIANTS = "spin,turbo": unknown variant\(s\) "turbo"; allowed: current, extended/);
  });
});

describe('sessionOptionsFor', () => {
  it('maps a tuning onto ORT options, spinning as a session config entry', () => {
    expect(WORKER_TUNING.allowSpinning).toBe(false);
    expect(sessionOptionsFor('cpu', 2).extra).toEqual({ session: { intra_op: { allow_spinning: '0' } } });
    const o = sessionOptionsFor('cpu', 2, { ...WORKER_TUNING, allowSpinning: true, executionMode: 'parallel' });
    expect(o).toMatchObject({ executionProviders: ['cpu'], intraOpNumThreads: 2, interOpNumThreads: 2, executionMode: 'parallel', graphOptimizationLevel: 'all' });
    expect(o.extra).toEqual({ session: { intra_op: { allow_spinning: '1' } } });
    expect(sessionOptionsFor('cuda', 1).executionProviders).toEqual(['cuda', 'cpu']);
    expect(sessionOptionsFor('cpu', 1).interOpNumThreads).toBe(1);
  });
});

describe('tunings on a real session', () => {
  // replay compares hashes: the threading and memory options must not change a single bit of the output
  it('spinning, memory pattern and arena leave the denoiser output byte-identical; preallocated outputs are written in place', async () => {
    const model = await loadModel(MODELS_DIR, 'tiny-random');
    const feeds = () => ({
      x_t: { type: 'float32' as const, data: Float32Array.from({ length: 2 * 5 * 16 * 64 }, (_, i) => Math.sin(i)), dims: [2, 5, 16, 8, 8] },
      t: { type: 'int64' as const, data: BigInt64Array.from([500n, 500n]), dims: [2] },
      cond: { type: 'float32' as const, data: new Float32Array(18).fill(0.3), dims: [2, 9] },
    });
    const base = await OrtModel.load(model, { executionProvider: 'cpu', intraOpThreads: 2 });
    const other = await OrtModel.load(model, {
      executionProvider: 'cpu',
      intraOpThreads: 2,
      tuning: { ...WORKER_TUNING, allowSpinning: !WORKER_TUNING.allowSpinning, enableMemPattern: false, enableCpuMemArena: false },
    });
    try {
      const a = (await base.run('denoiser', feeds())).eps!.data;
      const b = (await other.run('denoiser', feeds())).eps!.data;
      expect(Buffer.from(b.buffer, b.byteOffset, b.byteLength).equals(Buffer.from(a.buffer, a.byteOffset, a.byteLength))).toBe(true);
      const buf = new Float32Array(a.length);
      const c = (await base.run('denoiser', feeds(), { eps: { data: buf, dims: [2, 4, 16, 8, 8] } })).eps!.data;
      expect(c.buffer).toBe(buf.buffer);
      expect(Buffer.from(buf.buffer).equals(Buffer.from(a.buffer, a.byteOffset, a.byteLength))).toBe(true);
      await expect(base.run('denoiser', feeds(), { nope: { data: buf, dims: [2, 4, 16, 8, 8] } })).rejects.toThrow(/preallocated output "nope" is not an output \(outputs: eps\)/);
    } finally {
      await base.dispose();
      await other.dispose();
    }
  });
});
