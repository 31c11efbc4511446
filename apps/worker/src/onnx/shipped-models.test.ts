// Every model folder shipped in models/: its files match the sha256 in metadata.json, its graphs load
// in onnxruntime-node with the declared inputs, and, where the folder has parity.json (PyTorch outputs
// on fixed inputs written at export), every graph reproduces them within the declared tolerance.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { listModels, loadModel } from '@slicewise/models';
import { OrtModel, type Feed } from './index.ts';

const MODELS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../models');
const shipped = (await listModels(MODELS_DIR)).filter((m) => m.ok).map((m) => m.name);
const open: OrtModel[] = [];
afterAll(async () => {
  for (const m of open) await m.dispose();
});

interface ParitySpec {
  inputs: Record<string, { shape?: number[]; amp?: number; freq?: number; phase?: number; values?: number[] | number[][] }>;
  outputs: Record<string, { stride: number; values_b64: string }>;
}

/** Inputs rebuilt from parity.json's closed form: value_i = fround(amp * sin(freq * i + phase)). */
function feedsOf(spec: ParitySpec['inputs']): Record<string, Feed> {
  const feeds: Record<string, Feed> = {};
  for (const [name, s] of Object.entries(spec)) {
    if (s.shape) {
      const n = s.shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = Math.fround(s.amp! * Math.sin(s.freq! * i + s.phase!));
      feeds[name] = { type: 'float32', data, dims: s.shape };
    } else if (Array.isArray(s.values?.[0])) {
      const rows = s.values as number[][];
      feeds[name] = { type: 'float32', data: Float32Array.from(rows.flat()), dims: [rows.length, rows[0]!.length] };
    } else {
      const v = s.values as number[];
      feeds[name] = { type: 'int64', data: BigInt64Array.from(v.map((x) => BigInt(x))), dims: [v.length] };
    }
  }
  return feeds;
}

describe('shipped models', () => {
  it('at least the test fixture is shipped', () => {
    expect(shipped).toContain('tiny-random');
  });

  describe.each(shipped)('%s', (name) => {
    it('files match metadata sha256; graphs load; outputs match PyTorch on the parity inputs', async () => {
      const model = await loadModel(MODELS_DIR, name, { verify: true });
      const ort = await OrtModel.load(model, { executionProvider: 'cpu', intraOpThreads: 1 });
      open.push(ort);
      const parityPath = path.join(MODELS_DIR, name, 'parity.json');
      if (!fs.existsSync(parityPath)) return;
      const parity = JSON.parse(fs.readFileSync(parityPath, 'utf8')) as Record<string, ParitySpec> & { tolerance: { abs: number } };
      for (const graph of Object.keys(model.metadata.graphs)) {
        const p = parity[graph];
        if (!p) continue;
        const out = await ort.run(graph, feedsOf(p.inputs));
        for (const [outName, ref] of Object.entries(p.outputs)) {
          const want = new Float32Array(Uint8Array.from(Buffer.from(ref.values_b64, 'base64')).buffer);
          const got = out[outName]!.data;
          let worst = 0;
          for (let k = 0; k < want.length; k++) worst = Math.max(worst, Math.abs(got[k * ref.stride]! - want[k]!));
          expect(worst, `${name} ${graph}.${outName} max abs diff vs PyTorch`).toBeLessThanOrEqual(parity.tolerance.abs);
        }
      }
    }, 120_000);
  });
});
