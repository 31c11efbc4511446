// ONNX parity check of an exported model folder against its parity.json (PyTorch outputs).
// Usage: node onnx_parity.mjs <model-folder> [--write]   (needs `onnxruntime-node` resolvable from the cwd)
// --write stores the result in <model-folder>/parity_measured.json; the next `run.py export` copies it into
// metadata.json (metrics.onnx_parity). The ONNX export is deterministic, so the measurement stays valid.
// Inputs are rebuilt from their closed form: value_i = fround(amp * sin(freq * i + phase)), i = flat index.
// Prints the max abs difference per graph output and exits 1 when one exceeds parity.tolerance.abs.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(path.join(process.cwd(), 'noop.js'));
const ort = require('onnxruntime-node');

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node onnx_parity.mjs <model-folder>');
  process.exit(2);
}
const parity = JSON.parse(fs.readFileSync(path.join(dir, 'parity.json'), 'utf8'));

function formula({ shape, amp, freq, phase }) {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.fround(amp * Math.sin(freq * i + phase));
  return new ort.Tensor('float32', out, shape);
}

function decode(b64) {
  const buf = Buffer.from(b64, 'base64');
  return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
}

function feeds(spec) {
  const f = {};
  for (const [name, s] of Object.entries(spec)) {
    if (s.shape) f[name] = formula(s);
    else if (name === 'cond') {
      f[name] = new ort.Tensor('float32', Float32Array.from(s.values.flat()), [s.values.length, s.values[0].length]);
    } else f[name] = new ort.Tensor('int64', BigInt64Array.from(s.values.map((v) => BigInt(v))), [s.values.length]);
  }
  return f;
}

let worst = 0;
const result = {};
for (const graph of ['encoder', 'decoder', 'denoiser']) {
  const sess = await ort.InferenceSession.create(path.join(dir, `${graph}.onnx`), { intraOpNumThreads: 1 });
  const out = await sess.run(feeds(parity[graph].inputs));
  for (const [name, ref] of Object.entries(parity[graph].outputs)) {
    const got = out[name].data;
    const want = decode(ref.values_b64);
    let d = 0;
    for (let k = 0; k < want.length; k++) d = Math.max(d, Math.abs(got[k * ref.stride] - want[k]));
    result[`${graph}.${name}`] = d;
    worst = Math.max(worst, d);
  }
}
const report = {
  maxAbsDiff: result,
  worst,
  tolerance: parity.tolerance.abs,
  runtime: `onnxruntime-node ${require('onnxruntime-node/package.json').version}`,
  node: process.version,
};
console.log(JSON.stringify(report));
if (process.argv.includes('--write')) {
  fs.writeFileSync(path.join(dir, 'parity_measured.json'), JSON.stringify(report, null, 1) + '\n');
}
process.exit(worst <= parity.tolerance.abs ? 0 : 1);
