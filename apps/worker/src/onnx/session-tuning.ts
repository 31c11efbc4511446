/**
 * ORT session options the worker uses, as one record, and the named variants `npm run bench:ort` compares
 * against them (issue #15 item 1). Only options that keep CPU outputs byte-identical run to run belong here:
 * replay re-generates a volume and compares hashes. The bench checks that for every variant it measures.
 */
import type * as ort from 'onnxruntime-node';

export interface SessionTuning {
  /** 'all' adds layout transforms (NCHWc) on top of 'extended''s fusions. */
  graphOptimizationLevel: 'basic' | 'extended' | 'all';
  /** Intra-op worker threads busy-wait between parallel sections (session.intra_op.allow_spinning). */
  allowSpinning: boolean;
  /** Plan the buffers of a run from the previous run with the same shapes. */
  enableMemPattern: boolean;
  /** Reuse CPU allocations through ORT's arena instead of malloc/free per tensor. */
  enableCpuMemArena: boolean;
  /** 'parallel' runs independent branches of the graph at once (inter-op threads). */
  executionMode: 'sequential' | 'parallel';
}

/**
 * What the worker runs with. Intra-op spinning OFF (ORT's default is on): on a machine whose cores are shared (other
 * workers, other jobs) spinning pool threads fight for the cores they wait on; `npm run bench:ort` measured the fast
 * model's guided denoiser call 2.0x faster without spinning at 2 threads under load (every round faster, 1.5-3.9x),
 * and the same at 1 thread (no pool threads to spin: 1.02x, within noise). Outputs are byte-identical either way.
 * Memory pattern and arena: ORT's defaults (turning them off measured within noise). 'all' optimisation: 'extended'
 * and 'basic' measured slower AND change the output bits (replay of existing volumes would fail).
 * Numbers and the runs: apps/worker/README.md, "ORT session options".
 */
export const WORKER_TUNING: SessionTuning = {
  graphOptimizationLevel: 'all',
  allowSpinning: false,
  enableMemPattern: true,
  enableCpuMemArena: true,
  executionMode: 'sequential',
};

export interface OrtVariant {
  name: string;
  describe: string;
  tuning: Partial<SessionTuning>;
  /** Reuse one preallocated output tensor across calls (ORT fetches) instead of a new one per call. */
  preallocateOutputs: boolean;
  /** Subjects per denoiser call (each subject is 2 rows under guidance); times are reported per subject. */
  subjectsPerCall: number;
}

const v = (name: string, describe: string, tuning: Partial<SessionTuning>, extra: Partial<OrtVariant> = {}): OrtVariant => ({
  name,
  describe,
  tuning,
  preallocateOutputs: false,
  subjectsPerCall: 1,
  ...extra,
});

/** The baseline first; every other variant changes one thing. */
export const ORT_VARIANTS: readonly OrtVariant[] = [
  v('current', 'the worker options (WORKER_TUNING)', {}),
  v('extended', "graphOptimizationLevel 'extended' (no NCHWc layout transforms)", { graphOptimizationLevel: 'extended' }),
  v('basic', "graphOptimizationLevel 'basic' (constant folding and redundant-node removal only)", { graphOptimizationLevel: 'basic' }),
  v('spin', "session.intra_op.allow_spinning = 1 (ORT's default: pool threads busy-wait between parallel sections)", { allowSpinning: true }),
  v('no-mem-pattern', 'enableMemPattern false', { enableMemPattern: false }),
  v('no-arena', 'enableCpuMemArena false', { enableCpuMemArena: false }),
  v('parallel', "executionMode 'parallel' (one inter-op thread per intra-op thread)", { executionMode: 'parallel' }),
  v('prealloc-output', 'the worker options + one preallocated output tensor reused across calls', {}, { preallocateOutputs: true }),
  v('batch-2', 'the worker options, 2 subjects per call (times per subject)', {}, { subjectsPerCall: 2 }),
];

export class OrtVariantError extends Error {
  readonly code = 'BENCH_ORT_VARIANTS_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'OrtVariantError';
  }
}

/**
 * BENCH_ORT_VARIANTS: a comma-separated list of variant names (unset or empty: all). The baseline 'current' is
 * always measured, first, because every ratio is against it.
 */
export function parseOrtVariants(raw: string | undefined): OrtVariant[] {
  if (raw === undefined || raw.trim() === '') return [...ORT_VARIANTS];
  const names = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const known = new Map(ORT_VARIANTS.map((x) => [x.name, x] as const));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length) {
    throw new OrtVariantError(`BENCH_ORT_VARIANTS = ${JSON.stringify(raw)}: unknown variant(s) ${unknown.map((n) => JSON.stringify(n)).join(', ')}; allowed: ${[...known.keys()].join(', ')}`);
  }
  const picked = [...new Set(['current', ...names])];
  return picked.map((n) => known.get(n)!);
}

/** The ORT session options of one tuning (CPU, or CUDA with CPU for the nodes CUDA lacks). */
export function sessionOptionsFor(provider: 'cpu' | 'cuda', threads: number, tuning: SessionTuning = WORKER_TUNING): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: provider === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
    intraOpNumThreads: threads,
    // parallel mode needs its own inter-op pool; sequential ignores it
    interOpNumThreads: tuning.executionMode === 'parallel' ? threads : 1,
    executionMode: tuning.executionMode,
    graphOptimizationLevel: tuning.graphOptimizationLevel,
    enableMemPattern: tuning.enableMemPattern,
    enableCpuMemArena: tuning.enableCpuMemArena,
    // the node binding flattens nested keys with '.' into session config entries
    extra: { session: { intra_op: { allow_spinning: tuning.allowSpinning ? '1' : '0' } } },
  };
}
