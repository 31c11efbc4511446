/**
 * Every conditioning input the model's metadata declares, built for the denoiser graph:
 *   x_t   [B, C_lat + S, D, h, w]  latent channels, plus the spatial condition channel (S = 1) at
 *                                  conditioning.spatial_channel.channel_index when present
 *   t     [B] int64                training timestep
 *   cond  [B, K] float32           normalised 9-vector (conditioning.vector_input.input)
 * Under classifier-free guidance the sampler calls the denoiser once on 2B rows, conditional rows first
 * (packages/sampler): rows >= B are null rows, whose spatial channel is the null condition's ("all zeros").
 */
import { renderSpatialCondition, type ShapeDhw } from '@slicewise/conditioning';
import type { ModelMetadata } from '@slicewise/models';
import type { Feed } from '../onnx/index.ts';

export interface DenoiserPlan {
  xName: string;
  tName: string;
  condName: string | null;
  condDim: number;
  latentChannels: number;
  /** Channels of the x_t input (latent + spatial). */
  inputChannels: number;
  spatialChannelIndex: number | null;
  latentDhw: ShapeDhw;
  sharpness: number;
  nullCondition: Float32Array | null;
  epsName: string;
}

export class PlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanError';
  }
}

export function planDenoiser(meta: ModelMetadata): DenoiserPlan {
  const g = meta.graphs.denoiser;
  const cond = meta.conditioning;
  const [C, D, h, w] = meta.latent.stacked_shape_cdhw;
  const spatial = cond.spatial_channel?.present ? cond.spatial_channel : null;
  const float5 = g.inputs.filter((i) => i.dtype === 'float32' && i.shape.length === 5);
  const x = spatial ? g.inputs.find((i) => i.name === spatial.input) : float5[0];
  if (!x || x.shape.length !== 5) {
    throw new PlanError(`denoiser: no rank-5 float32 latent input found (inputs: ${g.inputs.map((i) => `${i.name}[${i.shape.join(',')}]`).join(', ')})`);
  }
  const t = g.inputs.find((i) => i.dtype === 'int64' && i.shape.length === 1);
  if (!t) throw new PlanError(`denoiser: no int64 [B] timestep input among ${g.inputs.map((i) => i.name).join(', ')}`);
  const condName = cond.vector_input?.input ?? g.inputs.find((i) => i.dtype === 'float32' && i.shape.length === 2)?.name ?? null;
  const condSpec = condName ? g.inputs.find((i) => i.name === condName) : undefined;
  if (condName && !condSpec) throw new PlanError(`conditioning.vector_input.input = "${condName}" is not a denoiser input`);
  const handled = new Set([x.name, t.name, ...(condName ? [condName] : [])]);
  const unknown = g.inputs.filter((i) => !handled.has(i.name));
  if (unknown.length) throw new PlanError(`denoiser declares inputs the worker cannot build: ${unknown.map((i) => i.name).join(', ')}`);
  const inputChannels = x.shape[1];
  if (typeof inputChannels !== 'number') throw new PlanError(`denoiser input ${x.name} channel axis must be fixed, got ${String(inputChannels)}`);
  const expected = C + (spatial ? 1 : 0);
  if (inputChannels !== expected) {
    throw new PlanError(`denoiser input ${x.name} has ${inputChannels} channels; latent.channels ${C} + spatial ${spatial ? 1 : 0} = ${expected}`);
  }
  if (spatial) {
    const [sd, sh, sw] = spatial.latent_grid_dhw;
    if (sd !== D || sh !== h || sw !== w) throw new PlanError(`spatial_channel.latent_grid_dhw [${sd},${sh},${sw}] differs from the latent grid [${D},${h},${w}]`);
  }
  const condDim = condSpec ? (condSpec.shape[1] as number) : 0;
  const nc = cond.null_condition?.cond;
  if (nc && nc.length !== condDim) throw new PlanError(`conditioning.null_condition.cond has ${nc.length} values, the cond input has ${condDim}`);
  const eps = g.outputs[0];
  if (!eps) throw new PlanError('denoiser declares no output');
  return {
    xName: x.name,
    tName: t.name,
    condName,
    condDim,
    latentChannels: C,
    inputChannels,
    spatialChannelIndex: spatial ? spatial.channel_index : null,
    latentDhw: [D, h, w],
    sharpness: spatial ? spatial.sharpness : 6,
    nullCondition: nc ? Float32Array.from(nc) : null,
    epsName: eps.name,
  };
}

/** The rendered spatial channel of a 9-vector [Dl, hl, wl], or null for models without one. */
export function spatialChannelFor(plan: DenoiserPlan, features9: readonly number[]): Float32Array | null {
  return plan.spatialChannelIndex === null ? null : renderSpatialCondition(features9, plan.latentDhw, plan.sharpness);
}

/**
 * Feeds for one denoiser call. `xt` is [rows, C_lat, D, h, w]; the first `conditionalRows` rows get
 * `spatial`, the rest (null rows under guidance) get zeros.
 */
export function buildDenoiserFeeds(
  plan: DenoiserPlan,
  xt: Float32Array,
  rows: number,
  t: number,
  condition: Float32Array | undefined,
  spatial: Float32Array | null,
  conditionalRows: number,
): Record<string, Feed> {
  const [D, h, w] = plan.latentDhw;
  const vox = D * h * w;
  const Cin = plan.inputChannels;
  let x: Float32Array;
  if (plan.spatialChannelIndex === null) {
    x = xt;
  } else {
    x = new Float32Array(rows * Cin * vox);
    const s = plan.spatialChannelIndex;
    for (let b = 0; b < rows; b++) {
      let src = 0;
      for (let c = 0; c < Cin; c++) {
        const dst = (b * Cin + c) * vox;
        if (c === s) {
          if (b < conditionalRows && spatial) x.set(spatial, dst);
        } else {
          x.set(xt.subarray((b * plan.latentChannels + src) * vox, (b * plan.latentChannels + src + 1) * vox), dst);
          src++;
        }
      }
    }
  }
  const feeds: Record<string, Feed> = {
    [plan.xName]: { type: 'float32', data: x, dims: [rows, Cin, D, h, w] },
    [plan.tName]: { type: 'int64', data: new BigInt64Array(rows).fill(BigInt(t)), dims: [rows] },
  };
  if (plan.condName) {
    if (!condition || condition.length !== rows * plan.condDim) {
      throw new PlanError(`denoiser needs ${plan.condName} [${rows}, ${plan.condDim}], got ${condition?.length ?? 'none'} values`);
    }
    feeds[plan.condName] = { type: 'float32', data: condition, dims: [rows, plan.condDim] };
  }
  return feeds;
}
