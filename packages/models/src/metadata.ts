/**
 * Typed view of a model folder's metadata.json (format "slicewise-sbldm-model", format_version 1; the
 * contract of shared design/model.md, section 3). Validation checks what the worker relies on and names
 * the field, the value and what is allowed; it never fills in or corrects values.
 *
 * Axes: volumes are [D, H, W] (C order, W fastest, RAS); latents [C, D, h, w]; graph shapes use
 * symbolic names ("N", "B") for dynamic axes.
 */
import { contractAdditionIssues, type ContractAdditions } from './quality.ts';

import { checkSamplerSettings, samplerDefaultsOf, samplerLimits, type SamplerDefaultsJson, type SamplerSettings } from './sampler-settings.ts';
import { throughputIssues, type ThroughputJson } from './throughput.ts';

export type Dim = number | string;

export interface TensorSpec {
  name: string;
  dtype: 'float32' | 'int64' | 'float16' | 'int32';
  /** Declared shape; strings are symbolic (dynamic) axes. */
  shape: Dim[];
  axes?: string[];
  range?: [number, number];
  meaning?: string;
}

export interface GraphSpec {
  file: string;
  opset: number;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

export interface FileEntry {
  sha256: string;
  bytes: number;
}

/** Applied by the worker after thresholding (packages/conditioning largestComponent). */
export const MASK_POSTPROCESS_OPS = ['largest_component'] as const;

export interface MaskPostprocess {
  op: (typeof MASK_POSTPROCESS_OPS)[number];
  connectivity: 6;
  note?: string;
}

export interface ChannelSpec {
  index: number;
  name: string;
  range: [number, number];
  threshold?: number;
  postprocess?: MaskPostprocess;
  [key: string]: unknown;
}

export interface ModelMetadata extends ContractAdditions {
  format: 'slicewise-sbldm-model';
  format_version: 1;
  name: string;
  /** Optional explicit version; otherwise the worker uses the metadata's sha256 prefix. */
  version?: string;
  description?: string;
  files: Record<string, FileEntry>;
  volume: {
    shape_dhw: [number, number, number];
    spacing_mm: [number, number, number];
    /** Optional: the anatomy one grid voxel covers (mm), when the model was trained on resampled data (throughput.ts anatomicalSpacingMm). */
    anatomical_spacing_mm?: [number, number, number];
    channels: ChannelSpec[];
    [key: string]: unknown;
  };
  latent: {
    channels: number;
    slice_shape_chw: [number, number, number];
    stacked_shape_cdhw: [number, number, number, number];
    downsampling: number;
    scale_factor: number;
    [key: string]: unknown;
  };
  graphs: Record<string, GraphSpec> & { encoder?: GraphSpec; decoder: GraphSpec; denoiser: GraphSpec };
  schedule: {
    num_train_timesteps: number;
    beta_schedule: 'scaled_linear' | 'linear';
    beta_start: number;
    beta_end: number;
    prediction_type: 'epsilon' | 'v_prediction' | 'sample';
    [key: string]: unknown;
  };
  /** The model's default sampler settings (snake_case view of SamplerSettings, sampler-settings.ts). */
  sampler_defaults: SamplerDefaultsJson;
  /** Optional: seconds per volume as measured in the worker (throughput.ts; the API falls back when absent). */
  throughput?: ThroughputJson;
  conditioning: {
    feature_names: string[];
    normalisation: { max_voxel_count: number; max_surface_area: number; [key: string]: unknown };
    vector_input?: { input: string; [key: string]: unknown };
    spatial_channel?: {
      present: boolean;
      input: string;
      channel_index: number;
      latent_grid_dhw: [number, number, number];
      sharpness: number;
      [key: string]: unknown;
    };
    null_condition?: { cond: number[]; spatial_channel?: string; [key: string]: unknown };
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export class ModelError extends Error {
  constructor(
    readonly code: 'NOT_FOUND' | 'INVALID_METADATA' | 'HASH_MISMATCH' | 'SIZE_MISMATCH' | 'MISSING_FILE' | 'INVALID_NAME',
    message: string,
  ) {
    super(message);
    this.name = 'ModelError';
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Collects issues as "path: message" strings. */
class Checker {
  issues: string[] = [];
  fail(path: string, msg: string): void {
    this.issues.push(`${path}: ${msg}`);
  }
  obj(v: unknown, path: string): Obj | null {
    if (!isObj(v)) {
      this.fail(path, `must be an object, got ${JSON.stringify(v)?.slice(0, 60)}`);
      return null;
    }
    return v;
  }
  str(v: unknown, path: string): void {
    if (typeof v !== 'string' || v.length === 0) this.fail(path, `must be a non-empty string, got ${JSON.stringify(v)}`);
  }
  num(v: unknown, path: string, opts: { int?: boolean; min?: number; positive?: boolean } = {}): void {
    const ok =
      typeof v === 'number' &&
      Number.isFinite(v) &&
      (!opts.int || Number.isInteger(v)) &&
      (opts.min === undefined || v >= opts.min) &&
      (!opts.positive || v > 0);
    if (!ok) {
      const what = [opts.int ? 'an integer' : 'a finite number', opts.min !== undefined ? `>= ${opts.min}` : '', opts.positive ? '> 0' : '']
        .filter(Boolean)
        .join(' ');
      this.fail(path, `must be ${what}, got ${JSON.stringify(v)}`);
    }
  }
  tuple(v: unknown, path: string, n: number, opts: { int?: boolean; positive?: boolean } = {}): void {
    if (!Array.isArray(v) || v.length !== n) {
      this.fail(path, `must be an array of ${n} numbers, got ${JSON.stringify(v)}`);
      return;
    }
    v.forEach((x, i) => this.num(x, `${path}[${i}]`, opts));
  }
  oneOf(v: unknown, path: string, allowed: readonly unknown[]): void {
    if (!allowed.includes(v)) this.fail(path, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${JSON.stringify(v)}`);
  }
}

const SHA256_RE = /^[0-9a-f]{64}$/;

const SNAKE: Record<keyof SamplerSettings, string> = {
  sampler: 'sampler',
  numInferenceSteps: 'num_inference_steps',
  eta: 'eta',
  guidanceScale: 'guidance_scale',
  timestepSpacing: 'timestep_spacing',
  stepsOffset: 'steps_offset',
  setAlphaToOne: 'set_alpha_to_one',
  guidanceInterval: 'guidance_interval',
};

/** Validate parsed metadata.json; throws ModelError('INVALID_METADATA') listing every issue. */
export function parseModelMetadata(raw: unknown, source = 'metadata.json'): ModelMetadata {
  const c = new Checker();
  const m = c.obj(raw, '$');
  if (!m) throw new ModelError('INVALID_METADATA', `${source}: ${c.issues.join('; ')}`);
  c.oneOf(m.format, 'format', ['slicewise-sbldm-model']);
  c.oneOf(m.format_version, 'format_version', [1]);
  c.str(m.name, 'name');
  if (m.version !== undefined) c.str(m.version, 'version');
  const files = c.obj(m.files, 'files');
  if (files) {
    for (const [name, e] of Object.entries(files)) {
      const fe = c.obj(e, `files.${name}`);
      if (!fe) continue;
      if (typeof fe.sha256 !== 'string' || !SHA256_RE.test(fe.sha256)) {
        c.fail(`files.${name}.sha256`, `must be 64 lowercase hex digits, got ${JSON.stringify(fe.sha256)}`);
      }
      c.num(fe.bytes, `files.${name}.bytes`, { int: true, min: 0 });
      if (name.includes('/') || name.includes('\\') || name === '..' || name === '.') {
        c.fail(`files.${name}`, 'file names must be plain names inside the model folder');
      }
    }
  }
  const vol = c.obj(m.volume, 'volume');
  if (vol) {
    c.tuple(vol.shape_dhw, 'volume.shape_dhw', 3, { int: true, positive: true });
    c.tuple(vol.spacing_mm, 'volume.spacing_mm', 3, { positive: true });
    if (vol.anatomical_spacing_mm !== undefined) c.tuple(vol.anatomical_spacing_mm, 'volume.anatomical_spacing_mm', 3, { positive: true });
    if (!Array.isArray(vol.channels) || vol.channels.length === 0) c.fail('volume.channels', 'must be a non-empty array');
    else
      vol.channels.forEach((ch: unknown, i: number) => {
        const o = c.obj(ch, `volume.channels[${i}]`);
        if (!o) return;
        c.num(o.index, `volume.channels[${i}].index`, { int: true, min: 0 });
        c.str(o.name, `volume.channels[${i}].name`);
        c.tuple(o.range, `volume.channels[${i}].range`, 2);
        if (o.threshold !== undefined) c.num(o.threshold, `volume.channels[${i}].threshold`);
        if (o.postprocess !== undefined) {
          const pp = c.obj(o.postprocess, `volume.channels[${i}].postprocess`);
          if (pp) {
            c.oneOf(pp.op, `volume.channels[${i}].postprocess.op`, MASK_POSTPROCESS_OPS);
            c.oneOf(pp.connectivity, `volume.channels[${i}].postprocess.connectivity`, [6]);
            if (o.name !== 'mask') c.fail(`volume.channels[${i}].postprocess`, `applies to the "mask" channel only, got channel ${JSON.stringify(o.name)}`);
          }
        }
      });
  }
  const lat = c.obj(m.latent, 'latent');
  if (lat) {
    c.num(lat.channels, 'latent.channels', { int: true, positive: true });
    c.tuple(lat.slice_shape_chw, 'latent.slice_shape_chw', 3, { int: true, positive: true });
    c.tuple(lat.stacked_shape_cdhw, 'latent.stacked_shape_cdhw', 4, { int: true, positive: true });
    c.num(lat.downsampling, 'latent.downsampling', { int: true, positive: true });
    c.num(lat.scale_factor, 'latent.scale_factor', { positive: true });
  }
  const graphs = c.obj(m.graphs, 'graphs');
  if (graphs) {
    for (const required of ['decoder', 'denoiser']) {
      if (!(required in graphs)) c.fail(`graphs.${required}`, 'is required');
    }
    for (const [gname, g] of Object.entries(graphs)) {
      const go = c.obj(g, `graphs.${gname}`);
      if (!go) continue;
      c.str(go.file, `graphs.${gname}.file`);
      if (files && typeof go.file === 'string' && !(go.file in files)) {
        c.fail(`graphs.${gname}.file`, `"${go.file}" is not listed in files (every file needs a sha256)`);
      }
      for (const dir of ['inputs', 'outputs'] as const) {
        const list = go[dir];
        if (!Array.isArray(list) || list.length === 0) {
          c.fail(`graphs.${gname}.${dir}`, 'must be a non-empty array');
          continue;
        }
        list.forEach((t: unknown, i: number) => {
          const p = `graphs.${gname}.${dir}[${i}]`;
          const to = c.obj(t, p);
          if (!to) return;
          c.str(to.name, `${p}.name`);
          c.oneOf(to.dtype, `${p}.dtype`, ['float32', 'int64', 'float16', 'int32']);
          if (!Array.isArray(to.shape) || !to.shape.every((d) => (typeof d === 'number' && Number.isInteger(d) && d > 0) || (typeof d === 'string' && d.length > 0))) {
            c.fail(`${p}.shape`, `must be an array of positive integers or symbolic names, got ${JSON.stringify(to.shape)}`);
          }
        });
      }
    }
  }
  const sch = c.obj(m.schedule, 'schedule');
  if (sch) {
    c.num(sch.num_train_timesteps, 'schedule.num_train_timesteps', { int: true, positive: true });
    c.oneOf(sch.beta_schedule, 'schedule.beta_schedule', ['scaled_linear', 'linear']);
    c.num(sch.beta_start, 'schedule.beta_start', { positive: true });
    c.num(sch.beta_end, 'schedule.beta_end', { positive: true });
    c.oneOf(sch.prediction_type, 'schedule.prediction_type', ['epsilon', 'v_prediction', 'sample']);
  }
  const sd = c.obj(m.sampler_defaults, 'sampler_defaults');
  if (sd) {
    // The same limits as every cohort request (sampler-settings.ts), checked once schedule and conditioning are readable.
    const T = sch && typeof sch.num_train_timesteps === 'number' ? sch.num_train_timesteps : 1000;
    const limits = samplerLimits({ schedule: { num_train_timesteps: T }, conditioning: isObj(m.conditioning) ? m.conditioning : {} });
    const view = samplerDefaultsOf({ sampler_defaults: sd as unknown as SamplerDefaultsJson });
    for (const issue of checkSamplerSettings(view, limits)) {
      c.fail(`sampler_defaults.${SNAKE[issue.field]}`, `${issue.message}, got ${JSON.stringify(issue.value)}`);
    }
  }
  if (m.throughput !== undefined) for (const issue of throughputIssues(m.throughput)) c.issues.push(issue);
  const cond = c.obj(m.conditioning, 'conditioning');
  if (cond) {
    if (!Array.isArray(cond.feature_names) || !cond.feature_names.every((f) => typeof f === 'string')) {
      c.fail('conditioning.feature_names', 'must be an array of strings');
    }
    const norm = c.obj(cond.normalisation, 'conditioning.normalisation');
    if (norm) {
      c.num(norm.max_voxel_count, 'conditioning.normalisation.max_voxel_count', { positive: true });
      c.num(norm.max_surface_area, 'conditioning.normalisation.max_surface_area', { positive: true });
    }
    if (cond.spatial_channel !== undefined) {
      const sc = c.obj(cond.spatial_channel, 'conditioning.spatial_channel');
      if (sc && sc.present === true) {
        c.str(sc.input, 'conditioning.spatial_channel.input');
        c.num(sc.channel_index, 'conditioning.spatial_channel.channel_index', { int: true, min: 0 });
        c.tuple(sc.latent_grid_dhw, 'conditioning.spatial_channel.latent_grid_dhw', 3, { int: true, positive: true });
        c.num(sc.sharpness, 'conditioning.spatial_channel.sharpness', { positive: true });
      }
    }
    if (cond.null_condition !== undefined) {
      const nc = c.obj(cond.null_condition, 'conditioning.null_condition');
      if (nc && (!Array.isArray(nc.cond) || !nc.cond.every((x) => typeof x === 'number' && Number.isFinite(x)))) {
        c.fail('conditioning.null_condition.cond', `must be an array of finite numbers, got ${JSON.stringify(nc.cond)}`);
      }
    }
  }
  // purpose / default / calibration / quality_control (quality.ts)
  c.issues.push(...contractAdditionIssues(m));
  if (c.issues.length) {
    throw new ModelError('INVALID_METADATA', `${source} is not a valid slicewise-sbldm-model v1: ${c.issues.join('; ')}`);
  }
  return raw as ModelMetadata;
}

/** Concrete dims for a declared shape, binding symbolic axes from `bindings`; throws naming the axis. */
export function resolveShape(spec: TensorSpec, bindings: Record<string, number>): number[] {
  return spec.shape.map((d, i) => {
    if (typeof d === 'number') return d;
    const v = bindings[d];
    if (v === undefined) throw new ModelError('INVALID_METADATA', `input ${spec.name} axis ${i} is symbolic "${d}" and no value was bound`);
    return v;
  });
}
