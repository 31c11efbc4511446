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
import type { FeatureName, ShapeDhw, SpacingMm } from './types.ts';

export type AxisCode = 'R' | 'L' | 'A' | 'P' | 'S' | 'I';

export interface ModelConditioning {
  /** Model grid [D, H, W] (volume resolution the features are computed on). */
  volumeShapeDhw: ShapeDhw;
  /** [sx, sy, sz] mm of one model-grid voxel. */
  spacingMm: SpacingMm;
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

/** Pick the first present key (metadata authors use either camelCase or snake_case). */
function pick(o: Record<string, unknown>, ...keys: string[]): [unknown, string] {
  for (const k of keys) if (o[k] !== undefined) return [o[k], k];
  return [undefined, keys[0]!];
}

/**
 * Build ModelConditioning from a parsed metadata.json object. Never throws: returns issues naming
 * the field. `brainMask` overrides the metadata's own (e.g. decoded by @slicewise/nifti from a file
 * the metadata points to); it is then a Uint8Array over `brainMaskShapeDhw` (default: volume shape).
 */
export function modelConditioningFromMetadata(
  meta: unknown,
  override: { brainMask?: Uint8Array; brainMaskShapeDhw?: ShapeDhw } = {},
): { ok: true; value: ModelConditioning } | { ok: false; errors: Issue[] } {
  const issues: Issue[] = [];
  if (!isObj(meta)) return { ok: false, errors: [{ path: [], code: 'type', message: 'metadata must be an object' }] };
  const cond = isObj(meta.conditioning) ? meta.conditioning : null;
  if (!cond) issues.push({ path: ['conditioning'], code: 'required', message: 'metadata.conditioning (object) is required' });
  const c = cond ?? {};
  const [volV, volK] = pick(meta, 'volumeShapeDhw', 'volume_shape_dhw');
  const volumeShapeDhw = shape3(volV, [volK], issues, 'volumeShapeDhw [D, H, W]');
  const [spV, spK] = pick(meta, 'spacingMm', 'spacing_mm');
  let spacingMm: SpacingMm | null = null;
  if (!Array.isArray(spV) || spV.length !== 3 || !spV.every((s) => typeof s === 'number' && Number.isFinite(s) && s > 0)) {
    issues.push({ path: [spK], code: spV === undefined ? 'required' : 'type', message: `spacingMm must be three finite positive numbers [sx, sy, sz] mm, got ${JSON.stringify(spV)}` });
  } else spacingMm = spV as SpacingMm;

  const [mvV, mvK] = pick(c, 'maxVoxelCount', 'max_voxel_count');
  const maxVoxelCount = pos(mvV, ['conditioning', mvK], issues);
  const [maV, maK] = pick(c, 'maxSurfaceArea', 'max_surface_area');
  const maxSurfaceArea = pos(maV, ['conditioning', maK], issues);

  // feature order must be the paper's, when the metadata states it
  const [fnV, fnK] = pick(c, 'featureNames', 'feature_names');
  if (fnV !== undefined && JSON.stringify(fnV) !== JSON.stringify(FEATURE_NAMES)) {
    issues.push({ path: ['conditioning', fnK], code: 'type', message: `featureNames must be ${JSON.stringify(FEATURE_NAMES)}, got ${JSON.stringify(fnV)}` });
  }

  const [trV, trK] = pick(c, 'trainingRanges', 'training_ranges');
  const trainingRanges = {} as Record<FeatureName, [number, number]>;
  if (!isObj(trV)) {
    issues.push({ path: ['conditioning', trK], code: 'required', message: `conditioning.trainingRanges must map each of ${FEATURE_NAMES.join(', ')} to [min, max]` });
  } else {
    for (const f of FEATURE_NAMES) {
      const r = trV[f];
      if (!Array.isArray(r) || r.length !== 2 || !r.every((x) => typeof x === 'number' && Number.isFinite(x)) || (r[0] as number) > (r[1] as number)) {
        issues.push({ path: ['conditioning', trK, f], code: 'type', message: `training range of ${f} must be [min, max] finite numbers with min <= max, got ${JSON.stringify(r)}` });
      } else trainingRanges[f] = [r[0] as number, r[1] as number];
    }
    for (const k of Object.keys(trV)) {
      if (!(FEATURE_NAMES as readonly string[]).includes(k)) issues.push({ path: ['conditioning', trK, k], code: 'unknown_feature', message: `unknown feature ${k}; known: ${FEATURE_NAMES.join(', ')}` });
    }
  }

  const [shV, shK] = pick(c, 'sharpness', 'spatial_sharpness');
  let sharpness = 6;
  if (shV !== undefined) sharpness = pos(shV, ['conditioning', shK], issues) ?? 6;
  const [lsV, lsK] = pick(c, 'latentShapeDhw', 'latent_shape_dhw');
  const latentShapeDhw = lsV === undefined ? null : shape3(lsV, ['conditioning', lsK], issues, 'latentShapeDhw [Dl, Hl, Wl]');

  const [axV, axK] = pick(meta, 'axisCodes', 'axis_codes');
  let axisCodes: [AxisCode, AxisCode, AxisCode] = ['R', 'A', 'S'];
  if (axV !== undefined) {
    const s = Array.isArray(axV) ? axV.join('') : String(axV);
    const letters = s.toUpperCase().split('');
    const pairs = ['RL', 'AP', 'SI'];
    const ok = letters.length === 3 && pairs.every((p) => letters.filter((l) => p.includes(l)).length === 1);
    if (!ok) issues.push({ path: [axK], code: 'type', message: `axisCodes must be three letters, one of R/L, A/P, S/I each (e.g. "RAS"), got ${JSON.stringify(axV)}` });
    else axisCodes = letters as [AxisCode, AxisCode, AxisCode];
  }

  let brainMask: Uint8Array | null = null;
  let brainMaskShapeDhw: ShapeDhw | null = null;
  if (override.brainMask) {
    brainMaskShapeDhw = override.brainMaskShapeDhw ?? volumeShapeDhw;
    brainMask = override.brainMask;
    if (brainMaskShapeDhw && brainMask.length !== brainMaskShapeDhw[0] * brainMaskShapeDhw[1] * brainMaskShapeDhw[2]) {
      issues.push({ path: ['brainMask'], code: 'type', message: `brain mask length ${brainMask.length} does not match shape ${JSON.stringify(brainMaskShapeDhw)}` });
    }
  } else {
    const [bmV, bmK] = pick(c, 'brainMask', 'brain_mask');
    if (!isObj(bmV)) {
      issues.push({ path: ['conditioning', bmK], code: 'required', message: 'conditioning.brainMask {encoding: "rle-dhw", shapeDhw, runs} is required (or pass a decoded mask)' });
    } else if (bmV.encoding !== 'rle-dhw') {
      issues.push({ path: ['conditioning', bmK, 'encoding'], code: 'type', message: `brain mask encoding must be "rle-dhw" (or pass a decoded mask), got ${JSON.stringify(bmV.encoding)}` });
    } else {
      const [bsV, bsK] = pick(bmV, 'shapeDhw', 'shape_dhw');
      brainMaskShapeDhw = shape3(bsV, ['conditioning', bmK, bsK], issues, 'brain mask shapeDhw');
      if (brainMaskShapeDhw) {
        try {
          brainMask = rleDecode(bmV.runs as number[], brainMaskShapeDhw);
        } catch (e) {
          issues.push({ path: ['conditioning', bmK, 'runs'], code: 'type', message: (e as Error).message });
        }
      }
    }
  }
  if (brainMask && !brainMask.some((v) => v > 0)) issues.push({ path: ['brainMask'], code: 'empty', message: 'brain mask has no voxel > 0' });

  if (issues.length > 0 || !volumeShapeDhw || !spacingMm || !maxVoxelCount || !maxSurfaceArea || !brainMask || !brainMaskShapeDhw) {
    return { ok: false, errors: issues };
  }
  return {
    ok: true,
    value: { volumeShapeDhw, spacingMm, maxVoxelCount, maxSurfaceArea, trainingRanges, brainMask, brainMaskShapeDhw, axisCodes, sharpness, latentShapeDhw },
  };
}

/** Is the relative position (x, y, z in [0, 1)) inside the model's brain mask? */
export function insideBrain(model: ModelConditioning, x: number, y: number, z: number): boolean {
  if (!(x >= 0 && x < 1 && y >= 0 && y < 1 && z >= 0 && z < 1)) return false;
  const [D, H, W] = model.brainMaskShapeDhw;
  const i = Math.floor(x * W), j = Math.floor(y * H), k = Math.floor(z * D);
  return model.brainMask[(k * H + j) * W + i]! > 0;
}
