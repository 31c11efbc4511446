import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseModelMetadata } from '@slicewise/models';
import { renderSpatialCondition } from '@slicewise/conditioning';
import { buildDenoiserFeeds, planDenoiser } from './inputs.ts';
import { checkRecordedHashes } from './model-cache.ts';

const meta = parseModelMetadata(JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../../../models/tiny-random/metadata.json'), 'utf8')));

describe('planDenoiser / buildDenoiserFeeds', () => {
  const plan = planDenoiser(meta);
  it('reads the roles of the inputs from the metadata', () => {
    expect(plan).toMatchObject({ xName: 'x_t', tName: 't', condName: 'cond', condDim: 9, latentChannels: 4, inputChannels: 5, spatialChannelIndex: 4, latentDhw: [16, 8, 8], sharpness: 6, epsName: 'eps' });
    expect([...plan.nullCondition!]).toEqual(new Array(9).fill(0));
  });

  it('puts the spatial channel at its index for conditional rows and zeros for null rows', () => {
    const vox = 16 * 8 * 8;
    const f9 = [0.3, 0.5, 0.9, 0.5, 0.5, 0.5, 0.3, 0.3, 0.3];
    const spatial = renderSpatialCondition(f9, [16, 8, 8], 6);
    const xt = Float32Array.from({ length: 2 * 4 * vox }, (_, i) => i); // [2 rows, 4 channels]
    const cond = new Float32Array(18);
    const feeds = buildDenoiserFeeds(plan, xt, 2, 980, cond, spatial, 1);
    const x = feeds.x_t!.data as Float32Array;
    expect(feeds.x_t!.dims).toEqual([2, 5, 16, 8, 8]);
    for (let b = 0; b < 2; b++) {
      for (let c = 0; c < 4; c++) expect(x[(b * 5 + c) * vox + 7]).toBe(xt[(b * 4 + c) * vox + 7]);
    }
    expect(Array.from(x.subarray(4 * vox, 5 * vox))).toEqual(Array.from(spatial)); // row 0: the condition
    expect(x.subarray(9 * vox, 10 * vox).every((v) => v === 0)).toBe(true); // row 1: null
    expect(Array.from(feeds.t!.data as BigInt64Array)).toEqual([980n, 980n]);
    expect(() => buildDenoiserFeeds(plan, xt, 2, 1, new Float32Array(9), spatial, 1)).toThrow(/cond \[2, 9\], got 9 values/);
  });

  it('refuses metadata it cannot build inputs for', () => {
    const extra = structuredClone(meta);
    extra.graphs.denoiser.inputs.push({ name: 'mystery', dtype: 'float32', shape: ['B', 3, 3] });
    expect(() => planDenoiser(extra)).toThrow(/cannot build: mystery/);
    const wrong = structuredClone(meta);
    wrong.graphs.denoiser.inputs[0]!.shape = ['B', 6, 16, 8, 8];
    expect(() => planDenoiser(wrong)).toThrow(/has 6 channels; latent.channels 4 \+ spatial 1 = 5/);
  });
});

describe('checkRecordedHashes', () => {
  it('accepts equal hashes (plain or {sha256}) and refuses a difference', () => {
    const actual = { 'a.onnx': 'aa', 'b.onnx': 'bb' };
    expect(() => checkRecordedHashes('m', { 'a.onnx': 'aa' }, actual)).not.toThrow();
    expect(() => checkRecordedHashes('m', { 'a.onnx': { sha256: 'aa' } }, actual)).not.toThrow();
    expect(() => checkRecordedHashes('m', { 'a.onnx': 'xx' }, actual)).toThrow(/a.onnx has sha256 aa in the models folder, the Model row records xx/);
  });
});
