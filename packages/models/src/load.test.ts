import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelError, largestModel, listModels, loadModel, parseModelMetadata, resolveShape, sha256File } from './index.ts';

const MODELS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../models');
let tmp: string;

async function copyFixture(name: string): Promise<string> {
  const dst = path.join(tmp, name);
  await fs.cp(path.join(MODELS_DIR, 'tiny-random'), dst, { recursive: true });
  return dst;
}

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'models-test-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('loadModel', () => {
  it('loads tiny-random with verified hashes and typed metadata', async () => {
    const m = await loadModel(MODELS_DIR, 'tiny-random');
    expect(m.name).toBe('tiny-random');
    expect(m.metadata.volume.shape_dhw).toEqual([16, 16, 16]);
    expect(m.metadata.graphs.denoiser.inputs.map((i) => i.name)).toEqual(['x_t', 't', 'cond']);
    expect(m.fileHashes['denoiser.onnx']).toBe(m.metadata.files['denoiser.onnx']!.sha256);
    expect(m.version).toMatch(/^sha256:[0-9a-f]{12}$/);
    // the hash is of the bytes, independently recomputed
    const h = await sha256File(m.filePath('decoder.onnx'));
    expect(h.sha256).toBe(m.metadata.files['decoder.onnx']!.sha256);
  });

  it('names file, expected and actual hash when a file was changed', async () => {
    await copyFixture('tiny-random');
    const f = path.join(tmp, 'tiny-random', 'decoder.onnx');
    const bytes = await fs.readFile(f);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    await fs.writeFile(f, bytes);
    const actual = (await sha256File(f)).sha256;
    const err = await loadModel(tmp, 'tiny-random').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).code).toBe('HASH_MISMATCH');
    expect((err as Error).message).toContain('decoder.onnx');
    expect((err as Error).message).toContain(actual);
    expect((err as Error).message).toContain('6266fd3af387d87ec1aad3320dee9e43e5126d79ca3caa6a84790d58a181ccfc');
    await fs.rm(path.join(tmp, 'tiny-random'), { recursive: true });
  });

  it('reports a missing file', async () => {
    await copyFixture('tiny-random');
    await fs.rm(path.join(tmp, 'tiny-random', 'encoder.onnx'));
    await expect(loadModel(tmp, 'tiny-random')).rejects.toMatchObject({ code: 'MISSING_FILE', message: expect.stringContaining('encoder.onnx') });
    await fs.rm(path.join(tmp, 'tiny-random'), { recursive: true });
  });

  it('refuses traversal in model names and folder/name mismatch', async () => {
    await expect(loadModel(MODELS_DIR, '../models/tiny-random')).rejects.toMatchObject({ code: 'INVALID_NAME' });
    await expect(loadModel(MODELS_DIR, '..')).rejects.toMatchObject({ code: 'INVALID_NAME' });
    await copyFixture('renamed');
    await expect(loadModel(tmp, 'renamed')).rejects.toThrow(/metadata.name "tiny-random"/);
  });

  it('validation lists every issue with field and value', async () => {
    const meta = JSON.parse(await fs.readFile(path.join(MODELS_DIR, 'tiny-random', 'metadata.json'), 'utf8'));
    meta.volume.spacing_mm = [1, -1, 1];
    meta.schedule.beta_schedule = 'cosine';
    meta.files['decoder.onnx'].sha256 = 'xyz';
    delete meta.graphs.denoiser;
    let msg = '';
    try {
      parseModelMetadata(meta);
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toContain('volume.spacing_mm[1]: must be a finite number > 0, got -1');
    expect(msg).toContain('schedule.beta_schedule: must be one of "scaled_linear", "linear", got "cosine"');
    expect(msg).toContain('files.decoder.onnx.sha256');
    expect(msg).toContain('graphs.denoiser: is required');
  });

  it('accepts the mask post-processing on the mask channel and names a bad one', async () => {
    const meta = JSON.parse(await fs.readFile(path.join(MODELS_DIR, 'tiny-random', 'metadata.json'), 'utf8'));
    const maskIdx = meta.volume.channels.findIndex((ch: { name: string }) => ch.name === 'mask');
    meta.volume.channels[maskIdx].postprocess = { op: 'largest_component', connectivity: 6 };
    expect(parseModelMetadata(meta).volume.channels[maskIdx]!.postprocess).toEqual({ op: 'largest_component', connectivity: 6 });
    meta.volume.channels[maskIdx].postprocess = { op: 'open', connectivity: 26 };
    meta.volume.channels[1 - maskIdx].postprocess = { op: 'largest_component', connectivity: 6 };
    let msg = '';
    try {
      parseModelMetadata(meta);
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toContain(`volume.channels[${maskIdx}].postprocess.op: must be one of "largest_component", got "open"`);
    expect(msg).toContain(`volume.channels[${maskIdx}].postprocess.connectivity: must be one of 6, got 26`);
    expect(msg).toContain(`volume.channels[${1 - maskIdx}].postprocess: applies to the "mask" channel only, got channel "image"`);
  });

  it('resolveShape binds symbolic axes', async () => {
    const m = await loadModel(MODELS_DIR, 'tiny-random', { verify: false });
    expect(resolveShape(m.metadata.graphs.denoiser.inputs[0]!, { B: 2 })).toEqual([2, 5, 16, 8, 8]);
    expect(() => resolveShape(m.metadata.graphs.denoiser.inputs[0]!, {})).toThrow(/symbolic "B"/);
  });
});

describe('listModels', () => {
  it('lists model folders and skips folders without metadata', async () => {
    const list = await listModels(MODELS_DIR);
    expect(list.find((m) => m.name === 'tiny-random')).toMatchObject({ ok: true, volumeShapeDhw: [16, 16, 16] });
    expect(list.find((m) => m.name === 'training')).toBeUndefined();
    expect(await largestModel(MODELS_DIR)).toBeTypeOf('string');
  });
});
