/**
 * The only place that imports onnxruntime-node. A model is a named map of InferenceSessions (one per
 * graph in metadata.graphs: encoder / decoder / denoiser), created once, reused across jobs and released
 * by dispose(). Every run is checked first against the session's input names and the metadata's declared
 * dtypes and shapes (symbolic axes must agree across inputs); a runtime failure is rethrown with every
 * input's name, dims and type.
 */
import * as ort from 'onnxruntime-node';
import type { GraphSpec, LoadedModel, TensorSpec } from '@slicewise/models';
import { sessionOptionsFor, WORKER_TUNING, type SessionTuning } from './session-tuning.ts';

export type FeedType = 'float32' | 'int64';

export interface Feed {
  type: FeedType;
  data: Float32Array | BigInt64Array;
  dims: readonly number[];
}

export interface ProviderInfo {
  requested: 'cpu' | 'cuda';
  used: 'cpu' | 'cuda';
  /** Why the requested provider was not used (null when it was). */
  fallbackReason: string | null;
}

export interface RuntimeOptions {
  executionProvider: 'cpu' | 'cuda';
  intraOpThreads: number;
  /** Called once when CUDA was requested and CPU is used instead. */
  onFallback?: (reason: string) => void;
  /** Session options (default WORKER_TUNING); the ORT bench passes its variants here. */
  tuning?: SessionTuning;
}

/** Preallocated output buffers of one run, by output name (ORT writes into them instead of allocating). */
export type PreallocatedOutputs = Record<string, { data: Float32Array; dims: readonly number[] }>;

export class OnnxInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnnxInputError';
  }
}

export class OnnxRunError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnnxRunError';
  }
}

export const ORT_VERSION: string = (ort.env.versions as { common?: string } | undefined)?.common ?? 'unknown';

function describeFeeds(feeds: Record<string, Feed>): string {
  return Object.entries(feeds)
    .map(([name, f]) => `${name}: ${f.type}[${f.dims.join(', ')}] (${f.data.length} values)`)
    .join('; ');
}

/** Check feeds against the declared inputs; throws OnnxInputError listing every problem. */
export function checkFeeds(graphName: string, spec: GraphSpec, sessionInputs: readonly string[], feeds: Record<string, Feed>): void {
  const problems: string[] = [];
  const declared = new Map(spec.inputs.map((i) => [i.name, i] as const));
  for (const name of sessionInputs) if (!(name in feeds)) problems.push(`missing input "${name}"`);
  for (const name of Object.keys(feeds)) {
    if (!sessionInputs.includes(name)) problems.push(`unexpected input "${name}" (graph inputs: ${sessionInputs.join(', ')})`);
  }
  const bound = new Map<string, number>();
  for (const [name, f] of Object.entries(feeds)) {
    const d: TensorSpec | undefined = declared.get(name);
    if (!d) continue;
    if (d.dtype !== f.type) problems.push(`input "${name}" has type ${f.type}, metadata declares ${d.dtype}`);
    if (f.dims.length !== d.shape.length) {
      problems.push(`input "${name}" has rank ${f.dims.length} [${f.dims.join(', ')}], metadata declares [${d.shape.join(', ')}]`);
      continue;
    }
    const n = f.dims.reduce((a, b) => a * b, 1);
    if (n !== f.data.length) problems.push(`input "${name}" dims [${f.dims.join(', ')}] need ${n} values, got ${f.data.length}`);
    d.shape.forEach((want, axis) => {
      const got = f.dims[axis]!;
      if (typeof want === 'number') {
        if (got !== want) problems.push(`input "${name}" axis ${axis} is ${got}, metadata declares ${want}`);
      } else {
        const prev = bound.get(want);
        if (prev === undefined) bound.set(want, got);
        else if (prev !== got) problems.push(`input "${name}" axis ${axis} ("${want}") is ${got}, but "${want}" = ${prev} in another input`);
      }
    });
  }
  if (problems.length) {
    throw new OnnxInputError(`graph ${graphName}: ${problems.join('; ')}. Inputs given: ${describeFeeds(feeds)}`);
  }
}

export class OrtModel {
  private disposed = false;
  private constructor(
    readonly model: LoadedModel,
    private readonly sessions: Map<string, ort.InferenceSession>,
    readonly provider: ProviderInfo,
    readonly intraOpThreads: number,
  ) {}

  static async load(model: LoadedModel, opts: RuntimeOptions): Promise<OrtModel> {
    const sessions = new Map<string, ort.InferenceSession>();
    let used: 'cpu' | 'cuda' = opts.executionProvider;
    let fallbackReason: string | null = null;
    try {
      for (const [name, g] of Object.entries(model.metadata.graphs)) {
        let s: ort.InferenceSession;
        try {
          s = await ort.InferenceSession.create(model.filePath(g.file), sessionOptionsFor(used, opts.intraOpThreads, opts.tuning ?? WORKER_TUNING));
        } catch (e) {
          if (used !== 'cuda') throw e;
          fallbackReason = `CUDA execution provider unavailable: ${(e as Error).message.split('\n')[0]}`;
          opts.onFallback?.(fallbackReason);
          used = 'cpu';
          for (const done of sessions.values()) await done.release();
          sessions.clear();
          return OrtModel.load(model, { ...opts, executionProvider: 'cpu' }).then(
            (m) => new OrtModel(model, m.sessions, { requested: 'cuda', used: 'cpu', fallbackReason }, opts.intraOpThreads),
          );
        }
        const declared = g.inputs.map((i) => i.name).sort();
        const actual = [...s.inputNames].sort();
        if (declared.join() !== actual.join()) {
          await s.release();
          throw new OnnxInputError(`model ${model.name} graph ${name} (${g.file}) has inputs [${actual.join(', ')}], metadata declares [${declared.join(', ')}]`);
        }
        sessions.set(name, s);
      }
    } catch (e) {
      for (const s of sessions.values()) await s.release().catch(() => {});
      throw e;
    }
    return new OrtModel(model, sessions, { requested: opts.executionProvider, used, fallbackReason }, opts.intraOpThreads);
  }

  has(graph: string): boolean {
    return this.sessions.has(graph);
  }

  inputNames(graph: string): readonly string[] {
    return this.session(graph).inputNames;
  }

  private session(graph: string): ort.InferenceSession {
    if (this.disposed) throw new OnnxRunError(`model ${this.model.name} was disposed`);
    const s = this.sessions.get(graph);
    if (!s) throw new OnnxRunError(`model ${this.model.name} has no graph "${graph}" (graphs: ${[...this.sessions.keys()].join(', ')})`);
    return s;
  }

  /**
   * Run one graph; returns every output as float32 data + dims. With `outputs`, ORT writes those outputs into the
   * given buffers (returned as they are) and allocates only the others.
   */
  async run(graph: string, feeds: Record<string, Feed>, outputs?: PreallocatedOutputs): Promise<Record<string, { data: Float32Array; dims: number[] }>> {
    const s = this.session(graph);
    const spec = this.model.metadata.graphs[graph]!;
    checkFeeds(graph, spec, s.inputNames, feeds);
    const tensors: Record<string, ort.Tensor> = {};
    for (const [name, f] of Object.entries(feeds)) tensors[name] = new ort.Tensor(f.type, f.data, f.dims as number[]);
    let fetches: Record<string, ort.Tensor | null> | undefined;
    if (outputs) {
      fetches = Object.fromEntries(s.outputNames.map((n) => [n, null]));
      for (const [name, o] of Object.entries(outputs)) {
        if (!(name in fetches)) throw new OnnxInputError(`graph ${graph}: preallocated output "${name}" is not an output (outputs: ${s.outputNames.join(', ')})`);
        fetches[name] = new ort.Tensor('float32', o.data, o.dims as number[]);
      }
    }
    let out: ort.InferenceSession.ReturnType;
    try {
      out = fetches ? await s.run(tensors, fetches) : await s.run(tensors);
    } catch (e) {
      throw new OnnxRunError(`graph ${graph} of model ${this.model.name} failed: ${(e as Error).message.trim()}. Inputs: ${describeFeeds(feeds)}`);
    }
    const result: Record<string, { data: Float32Array; dims: number[] }> = {};
    for (const [name, t] of Object.entries(out)) {
      if (t.type !== 'float32') throw new OnnxRunError(`graph ${graph} output ${name} has type ${t.type}, expected float32`);
      // ORT wrote a preallocated output in place: hand back the caller's buffer (the binding's tensor is another view)
      const pre = outputs?.[name];
      result[name] = pre ? { data: pre.data, dims: [...t.dims] } : { data: t.data as Float32Array, dims: [...t.dims] };
    }
    return result;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    for (const s of this.sessions.values()) await s.release();
    this.sessions.clear();
  }
}

/**
 * Achieved MatMul throughput of this ORT build on this machine (for the benchmark's GFLOP/s ceiling):
 * a one-node MatMul graph [n, n] x [n, n], 2 n^3 FLOP per run, built in memory (ONNX protobuf by hand).
 * allowSpinning: ORT's default (true), or the worker's (false); on a loaded machine they differ.
 */
export async function measureMatMulPeak(n: number, threads: number, runs: number, allowSpinning = true): Promise<{ gflops: number; n: number; runs: number }> {
  const bytes = matmulModelBytes(n);
  const s = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionProviders: ['cpu'],
    extra: { session: { intra_op: { allow_spinning: allowSpinning ? '1' : '0' } } },
  });
  const a = new ort.Tensor('float32', new Float32Array(n * n).fill(0.5), [n, n]);
  const b = new ort.Tensor('float32', new Float32Array(n * n).fill(0.25), [n, n]);
  await s.run({ A: a, B: b });
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) await s.run({ A: a, B: b });
  const sec = (performance.now() - t0) / 1000;
  await s.release();
  return { gflops: (2 * n ** 3 * runs) / sec / 1e9, n, runs };
}

// --- minimal protobuf writer for a MatMul ModelProto (onnx.proto field numbers) ---
function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
const field = (no: number, wire: number) => varint((no << 3) | wire);
const lenField = (no: number, payload: number[]) => [...field(no, 2), ...varint(payload.length), ...payload];
const strField = (no: number, s: string) => lenField(no, [...Buffer.from(s, 'utf8')]);
const intField = (no: number, v: number) => [...field(no, 0), ...varint(v)];

function valueInfo(name: string, n: number): number[] {
  const dim = (v: number) => lenField(1, intField(1, v)); // TensorShapeProto.Dimension.dim_value
  const shape = [...dim(n), ...dim(n)];
  const tensorType = [...intField(1, 1 /* FLOAT */), ...lenField(2, shape)];
  const typeProto = lenField(1, tensorType); // TypeProto.tensor_type
  return [...strField(1, name), ...lenField(2, typeProto)];
}

export function matmulModelBytes(n: number): Uint8Array {
  const node = [...strField(1, 'A'), ...strField(1, 'B'), ...strField(2, 'Y'), ...strField(4, 'MatMul')];
  const graph = [...lenField(1, node), ...strField(2, 'matmul'), ...lenField(11, valueInfo('A', n)), ...lenField(11, valueInfo('B', n)), ...lenField(12, valueInfo('Y', n))];
  const opset = [...strField(1, ''), ...intField(2, 17)];
  const model = [...intField(1, 8 /* ir_version */), ...lenField(7, graph), ...lenField(8, opset)];
  return Uint8Array.from(model);
}
