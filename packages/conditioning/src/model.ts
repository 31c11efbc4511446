/**
 * ModelConditioning: what the condition sampler needs from a model's metadata.json
 * (SPEC.md, "Model metadata fields used by conditioning").
 *
 * Axes: the model grid is [D, H, W] with feature axes x (W), y (H), z (D); `axisCodes` says which
 * anatomical direction each of x, y, z points to as its index grows (nibabel `aff2axcodes` letters,
 * e.g. ['R', 'A', 'S'] = RAS+), so regions like "left" can be mapped onto the grid.
 */
import { rleDecode } from './rle.ts';
import { FEATURE_NAMES } from './types.ts';
import type { FeatureName, Features9, ShapeDhw, SpacingMm } from './types.ts';

export type AxisCode = 'R' | 'L' | 'A' | 'P' | 'S' | 'I';

export interface ModelConditioning {
  /** Model grid [D, H, W] (volume resolution the features are computed on). */
  volumeShapeDhw: ShapeDhw;
  /** [sx, sy, sz] mm of one model-grid voxel. */
  spacingMm: SpacingMm;
  /**
   * [sx, sy, sz] mm of anatomy one grid voxel covers (metadata volume.anatomical_spacing_mm), when it differs
   * from the grid's nominal spacing (a model trained on resampled data). Physical units shown to people use
   * it; sampling and feature extraction keep the grid spacing.
   */
  anatomicalSpacingMm?: SpacingMm;
  /** Normalisation constants (training maxima), voxel units. */
  maxVoxelCount: number;
  maxSurfaceArea: number;
  /** Per feature [min, max] of the normalised training conditions: sampled vectors must lie inside. */
  trainingRanges: Record<FeatureName, [number, number]>;
  /** Brain mask, C order over brainMaskShapeDhw (any resolution; looked up by relative position). */
  brainMask: Uint8Array;
  brainMaskShapeDhw: ShapeDhw;
  /** Anatomical direction of increasing x, y, z index. */
  axisCodes: [AxisCode, AxisCode, AxisCode];
  /** Spatial condition channel slope (SPEC.md); 6 when the metadata does not say. */
  sharpness: number;
  /** Latent grid [Dl, Hl, Wl] for the spatial channel, when the model uses one. */
  latentShapeDhw: ShapeDhw | null;
  /** Normalised condition vectors of training volumes (may be empty): the `kind: "training"` distribution. */
  empiricalSample: Features9[];
}

export interface Issue {
  /** Path to the offending value, e.g. ['features', 'voxel_volume', 'max']. */
  path: string[];
  message: string;
  code: IssueCode;
}

export type IssueCode =
  | 'required'
  | 'type'
  | 'not_finite'
  | 'out_of_bounds'
  | 'min_gt_max'
  | 'weights_sum'
  | 'quota_sum'
  | 'outside_brain'
  | 'outside_training_range'
  | 'unknown_feature'
  | 'unknown_key'
  | 'derived_feature'
  | 'conflict'
  | 'unsupported_version'
  | 'empty';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function shape3(v: unknown, path: string[], issues: Issue[], what: string): ShapeDhw | null {
  if (!Array.isArray(v) || v.length !== 3 || !v.every((n) => Number.isInteger(n) && (n as number) > 0)) {
    issues.push({ path, code: 'type', message: `${what} must be three positive integers, got ${JSON.stringify(v)}` });
    return null;
  }
  return v as ShapeDhw;
}

function pos(v: unknown, path: string[], issues: Issue[]): number | null {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    issues.push({ path, code: v === undefined ? 'required' : 'type', message: `${path.join('.')} must be a finite positive number, got ${JSON.stringify(v)}` });
    return null;
  }
  return v;
}

/** Decode the metadata's "bitpacked-base64" brain mask: np.packbits(mask.ravel('C'), bitorder='big'). */
export function decodeBitpackedBase64(data: string, shapeDhw: ShapeDhw): Uint8Array {
  const n = shapeDhw[0] * shapeDhw[1] * shapeDhw[2];
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length !== Math.ceil(n / 8)) {
    throw new RangeError(`bitpacked brain mask has ${bytes.length} bytes, expected ceil(D*H*W / 8) = ${Math.ceil(n / 8)} for shape ${JSON.stringify(shapeDhw)}`);
  }
  const out = new Uint8Array(n);
  for (let p = 0; p < n; p++) out[p] = (bytes[p >> 3]! >> (7 - (p & 7))) & 1;
  return out;
}

const ORIENT = /\b([RL][AP][SI]|[RL][SI][AP]|[AP][RL][SI]|[AP][SI][RL]|[SI][RL][AP]|[SI][AP][RL])\b/;

function parseAxisCodes(v: unknown): [AxisCode, AxisCode, AxisCode] | null {
  const s = Array.isArray(v) ? v.join('') : typeof v === 'string' ? v : '';
  const letters = s.toUpperCase().split('');
  const ok = letters.length === 3 && ['RL', 'AP', 'SI'].every((p) => letters.filter((l) => p.includes(l)).length === 1);
  return ok ? (letters as [AxisCode, AxisCode, AxisCode]) : null;
}

/**
 * Build ModelConditioning from a parsed model metadata.json (format "slicewise-sbldm-model"; fields
 * listed in SPEC.md, "Model metadata fields used by conditioning"). Never throws: returns issues
 * naming the field. `override.brainMask` replaces the metadata's own mask (a decoded Uint8Array over
 * `override.brainMaskShapeDhw`, default the volume shape).
 */
export function modelConditioningFromMetadata(
  meta: unknown,
  override: { brainMask?: Uint8Array; brainMaskShapeDhw?: ShapeDhw } = {},
): { ok: true; value: ModelConditioning } | { ok: false; errors: Issue[] } {
  const issues: Issue[] = [];
  if (!isObj(meta)) return { ok: false, errors: [{ path: [], code: 'type', message: 'metadata must be an object' }] };
  const vol = isObj(meta.volume) ? meta.volume : null;
  if (!vol) issues.push({ path: ['volume'], code: 'required', message: 'metadata.volume {shape_dhw, spacing_mm} is required' });
  const cond = isObj(meta.conditioning) ? meta.conditioning : null;
  if (!cond) issues.push({ path: ['conditioning'], code: 'required', message: 'metadata.conditioning is required' });
  const v = vol ?? {};
  const c = cond ?? {};

  const volumeShapeDhw = vol ? shape3(v.shape_dhw, ['volume', 'shape_dhw'], issues, 'volume.shape_dhw [D, H, W]') : null;
  let spacingMm: SpacingMm | null = null;
  const sp = v.spacing_mm;
  if (vol) {
    if (!Array.isArray(sp) || sp.length !== 3 || !sp.every((x) => typeof x === 'number' && Number.isFinite(x) && x > 0)) {
      issues.push({ path: ['volume', 'spacing_mm'], code: sp === undefined ? 'required' : 'type', message: `volume.spacing_mm must be three finite positive numbers [sx, sy, sz] mm, got ${JSON.stringify(sp)}` });
    } else spacingMm = sp as SpacingMm;
  }
  const asp = v.anatomical_spacing_mm;
  let anatomicalSpacingMm: SpacingMm | null = null;
  if (asp !== undefined) {
    if (!Array.isArray(asp) || asp.length !== 3 || !asp.every((x) => typeof x === 'number' && Number.isFinite(x) && x > 0)) {
      issues.push({ path: ['volume', 'anatomical_spacing_mm'], code: 'type', message: `volume.anatomical_spacing_mm must be three finite positive numbers [sx, sy, sz] mm, got ${JSON.stringify(asp)}` });
    } else anatomicalSpacingMm = asp as SpacingMm;
  }

  // orientation: volume.axis_codes ("RAS") if given, else the code named in volume.axis_order, else RAS
  let axisCodes: [AxisCode, AxisCode, AxisCode] = ['R', 'A', 'S'];
  if (v.axis_codes !== undefined) {
    const a = parseAxisCodes(v.axis_codes);
    if (!a) issues.push({ path: ['volume', 'axis_codes'], code: 'type', message: `volume.axis_codes must be three letters, one of R/L, A/P, S/I each (e.g. "RAS"), got ${JSON.stringify(v.axis_codes)}` });
    else axisCodes = a;
  } else if (typeof v.axis_order === 'string') {
    const m = ORIENT.exec(v.axis_order.toUpperCase());
    const a = m ? parseAxisCodes(m[1]) : null;
    if (a) axisCodes = a;
  }

  if (c.feature_names !== undefined && JSON.stringify(c.feature_names) !== JSON.stringify(FEATURE_NAMES)) {
    issues.push({ path: ['conditioning', 'feature_names'], code: 'type', message: `feature_names must be ${JSON.stringify(FEATURE_NAMES)}, got ${JSON.stringify(c.feature_names)}` });
  }
  const norm = isObj(c.normalisation) ? c.normalisation : null;
  if (cond && !norm) issues.push({ path: ['conditioning', 'normalisation'], code: 'required', message: 'conditioning.normalisation {max_voxel_count, max_surface_area} is required' });
  const maxVoxelCount = norm ? pos(norm.max_voxel_count, ['conditioning', 'normalisation', 'max_voxel_count'], issues) : null;
  const maxSurfaceArea = norm ? pos(norm.max_surface_area, ['conditioning', 'normalisation', 'max_surface_area'], issues) : null;

  const trainingRanges = {} as Record<FeatureName, [number, number]>;
  const rg = isObj(c.ranges) ? c.ranges : null;
  const nine = (x: unknown) => Array.isArray(x) && x.length === 9 && x.every((y) => typeof y === 'number' && Number.isFinite(y));
  if (cond && (!rg || !nine(rg.min) || !nine(rg.max))) {
    issues.push({ path: ['conditioning', 'ranges'], code: rg ? 'type' : 'required', message: 'conditioning.ranges must be {min: 9 numbers, max: 9 numbers} in feature order' });
  } else if (rg) {
    FEATURE_NAMES.forEach((f, i) => {
      const lo = (rg.min as number[])[i]!, hi = (rg.max as number[])[i]!;
      if (lo > hi) issues.push({ path: ['conditioning', 'ranges', 'min', String(i)], code: 'min_gt_max', message: `training range of ${f}: min ${lo} > max ${hi}` });
      trainingRanges[f] = [lo, hi];
    });
  }

  const empiricalSample: Features9[] = [];
  if (c.empirical_sample !== undefined) {
    if (!Array.isArray(c.empirical_sample)) issues.push({ path: ['conditioning', 'empirical_sample'], code: 'type', message: 'conditioning.empirical_sample must be an array of 9-vectors' });
    else {
      c.empirical_sample.forEach((row, i) => {
        if (!nine(row) || (row as number[])[0]! <= 0 || (row as number[])[2]! <= 0 || (row as number[]).slice(6).some((x) => x <= 0)) {
          if (issues.length < 20) issues.push({ path: ['conditioning', 'empirical_sample', String(i)], code: 'type', message: `empirical_sample[${i}] must be 9 finite numbers of a non-empty tumour, got ${JSON.stringify(row)}` });
        } else empiricalSample.push(row as Features9);
      });
    }
  }

  const spc = isObj(c.spatial_channel) ? c.spatial_channel : null;
  let sharpness = 6;
  let latentShapeDhw: ShapeDhw | null = null;
  if (spc && spc.present !== false) {
    if (spc.sharpness !== undefined) sharpness = pos(spc.sharpness, ['conditioning', 'spatial_channel', 'sharpness'], issues) ?? 6;
    if (spc.latent_grid_dhw !== undefined) latentShapeDhw = shape3(spc.latent_grid_dhw, ['conditioning', 'spatial_channel', 'latent_grid_dhw'], issues, 'latent_grid_dhw [Dl, Hl, Wl]');
  }

  let brainMask: Uint8Array | null = null;
  let brainMaskShapeDhw: ShapeDhw | null = null;
  if (override.brainMask) {
    brainMaskShapeDhw = override.brainMaskShapeDhw ?? volumeShapeDhw;
    brainMask = override.brainMask;
    if (brainMaskShapeDhw && brainMask.length !== brainMaskShapeDhw[0] * brainMaskShapeDhw[1] * brainMaskShapeDhw[2]) {
      issues.push({ path: ['brain_mask'], code: 'type', message: `brain mask length ${brainMask.length} does not match shape ${JSON.stringify(brainMaskShapeDhw)}` });
    }
  } else {
    const bm = meta.brain_mask;
    if (!isObj(bm)) {
      issues.push({ path: ['brain_mask'], code: 'required', message: 'metadata.brain_mask {shape_dhw, encoding: "bitpacked-base64" | "rle-dhw", data | runs} is required (or pass a decoded mask)' });
    } else {
      brainMaskShapeDhw = shape3(bm.shape_dhw, ['brain_mask', 'shape_dhw'], issues, 'brain_mask.shape_dhw');
      if (brainMaskShapeDhw) {
        try {
          if (bm.encoding === 'bitpacked-base64') {
            if (typeof bm.data !== 'string') throw new RangeError('brain_mask.data must be a base64 string');
            brainMask = decodeBitpackedBase64(bm.data, brainMaskShapeDhw);
          } else if (bm.encoding === 'rle-dhw') {
            brainMask = rleDecode(bm.runs as number[], brainMaskShapeDhw);
          } else {
            issues.push({ path: ['brain_mask', 'encoding'], code: 'type', message: `brain_mask.encoding must be "bitpacked-base64" or "rle-dhw", got ${JSON.stringify(bm.encoding)}` });
          }
        } catch (e) {
          issues.push({ path: ['brain_mask', bm.encoding === 'rle-dhw' ? 'runs' : 'data'], code: 'type', message: (e as Error).message });
        }
      }
    }
  }
  if (brainMask && !brainMask.some((x) => x > 0)) issues.push({ path: ['brain_mask'], code: 'empty', message: 'brain mask has no voxel > 0' });

  if (issues.length > 0 || !volumeShapeDhw || !spacingMm || !maxVoxelCount || !maxSurfaceArea || !brainMask || !brainMaskShapeDhw) {
    return { ok: false, errors: issues };
  }
  return {
    ok: true,
    value: { volumeShapeDhw, spacingMm, ...(anatomicalSpacingMm ? { anatomicalSpacingMm } : {}), maxVoxelCount, maxSurfaceArea, trainingRanges, brainMask, brainMaskShapeDhw, axisCodes, sharpness, latentShapeDhw, empiricalSample },
  };
}

/** Is the relative position (x, y, z in [0, 1)) inside the model's brain mask? */
export function insideBrain(model: ModelConditioning, x: number, y: number, z: number): boolean {
  if (!(x >= 0 && x < 1 && y >= 0 && y < 1 && z >= 0 && z < 1)) return false;
  const [D, H, W] = model.brainMaskShapeDhw;
  const i = Math.floor(x * W), j = Math.floor(y * H), k = Math.floor(z * D);
  return model.brainMask[(k * H + j) * W + i]! > 0;
}
