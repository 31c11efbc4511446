// CPU-heavy work that must not run on the event loop: distribution previews, and a reference mask's
// parse -> binarise -> resample -> feature extraction. Runs in worker threads (cpu.pool.ts); inputs
// and outputs are structured-clone data, and failures are returned as values (a NiftiError's
// class does not survive the thread boundary).
import { computeFeatures, previewDistribution, type ModelConditioning } from '@slicewise/conditioning';
import { NiftiError, parseNifti, resampleToGrid, type Affine } from '@slicewise/nifti';

export interface PreviewTask {
  kind: 'preview';
  spec: unknown;
  n: number;
  seed: number;
  conditioning: ModelConditioning;
  /** Most vectors returned (the rest only feed the histograms). */
  maxVectors: number;
}

export interface ReferenceMaskTask {
  kind: 'referenceMask';
  /** The uncompressed NIfTI file (transferred, not copied). */
  bytes: Uint8Array;
  mergeLabels: boolean;
  maxVoxels: number;
  conditioning: ModelConditioning;
}

export type CpuTask = PreviewTask | ReferenceMaskTask | { kind: 'warm' };

export type ReferenceMaskResult =
  | { ok: true; features: ReturnType<typeof computeFeatures>; grid: [number, number, number] }
  | { ok: false; code: string; message: string; labels?: number[] };

/**
 * A destination grid spanning the source's field of view in RAS+ world space with the model's
 * dimensions: the paper resizes the whole FOV to the model grid; the affine makes orientation
 * (flips, axis permutations, obliquity) come out right.
 */
export function modelGridOverSource(srcAffine: Affine, srcDimsXyz: number[], dstDimsXyz: number[]): Affine {
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (const ci of [-0.5, srcDimsXyz[0]! - 0.5]) {
    for (const cj of [-0.5, srcDimsXyz[1]! - 0.5]) {
      for (const ck of [-0.5, srcDimsXyz[2]! - 0.5]) {
        for (let r = 0; r < 3; r++) {
          const w = srcAffine[r]![0]! * ci + srcAffine[r]![1]! * cj + srcAffine[r]![2]! * ck + srcAffine[r]![3]!;
          lo[r] = Math.min(lo[r]!, w);
          hi[r] = Math.max(hi[r]!, w);
        }
      }
    }
  }
  const s = [0, 1, 2].map((r) => (hi[r]! - lo[r]!) / dstDimsXyz[r]!);
  return [
    [s[0]!, 0, 0, lo[0]! + s[0]! / 2],
    [0, s[1]!, 0, lo[1]! + s[1]! / 2],
    [0, 0, s[2]!, lo[2]! + s[2]! / 2],
    [0, 0, 0, 1],
  ];
}

export function referenceMask(t: ReferenceMaskTask): ReferenceMaskResult {
  let vol;
  try {
    vol = parseNifti(t.bytes, { require3D: true, maxVoxels: t.maxVoxels });
  } catch (err) {
    if (err instanceof NiftiError) return { ok: false, code: err.code, message: err.message };
    throw err;
  }
  const data = vol.data;
  const labels = new Set<number>();
  for (let i = 0; i < data.length && labels.size < 16; i++) labels.add(Number(data[i]));
  const nonBinary = [...labels].filter((v) => v !== 0 && v !== 1);
  if (nonBinary.length > 0 && !t.mergeLabels) return { ok: false, code: 'NOT_BINARY', message: 'not a binary mask', labels: [...labels].sort((a, b) => a - b).slice(0, 8) };
  const [D, H, W] = t.conditioning.volumeShapeDhw;
  const binary = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) binary[i] = Number(data[i]) !== 0 ? 1 : 0;
  const dims = vol.dims.slice(0, 3);
  const dstAffine = modelGridOverSource(vol.affine, dims, [W, H, D]);
  const onGrid = resampleToGrid(binary, vol.affine, dims, dstAffine, [W, H, D], { interpolation: 'nearest' });
  if (onGrid.length !== D * H * W) return { ok: false, code: 'WRONG_SIZE', message: `resampled to ${onGrid.length} voxels, expected ${D * H * W}` };
  const features = computeFeatures(onGrid, [D, H, W], t.conditioning.spacingMm, { maxVoxelCount: t.conditioning.maxVoxelCount, maxSurfaceArea: t.conditioning.maxSurfaceArea });
  return { ok: true, features, grid: [W, H, D] };
}

export function preview(t: PreviewTask) {
  const started = performance.now();
  const p = previewDistribution(t.spec, t.n, t.seed, t.conditioning);
  if ('vectors' in p) return { preview: { ...p, vectors: p.vectors.slice(0, t.maxVectors) }, millis: performance.now() - started };
  return { preview: p, millis: performance.now() - started };
}

export function runTask(task: CpuTask) {
  switch (task.kind) {
    case 'preview':
      return preview(task);
    case 'referenceMask':
      return referenceMask(task);
    case 'warm':
      return null;
    default: {
      const never: never = task;
      throw new Error(`unknown CPU task ${JSON.stringify(never)}`);
    }
  }
}
