/**
 * Empirical distributions fitted from a team's reference masks. The masks are read and resampled
 * to a common grid elsewhere (@slicewise/nifti); here we take their measured features and keep
 * the sha256 of each source file in the spec, so every synthetic cohort traces back to its data.
 */
import type { TumourFeatures } from './features.ts';
import type { DistributionSpec, EmpiricalSpec } from './spec.ts';
import { DISTRIBUTION_SPEC_VERSION } from './spec.ts';
import type { ShapeDhw, SpacingMm } from './types.ts';

export interface ReferenceInput {
  /** sha256 (hex) of the mask file. */
  sha256: string;
  name?: string;
  /** computeFeatures of the mask on `gridShapeDhw` (normalisation not needed). */
  features: TumourFeatures;
}

/**
 * Build the `empirical` part of a spec. Empty masks are refused (they carry no tumour); every
 * reference must be on the same grid. Throws RangeError naming the reference otherwise.
 * @param bandwidth kernel sd as a fraction of each parameter's sample sd (default 0.25)
 */
export function fitEmpirical(refs: readonly ReferenceInput[], gridShapeDhw: ShapeDhw, spacingMm: SpacingMm, bandwidth = 0.25): EmpiricalSpec {
  if (refs.length === 0) throw new RangeError('fitEmpirical needs at least one reference mask');
  const references = refs.map((r, i) => {
    const f = r.features;
    if (f.empty) throw new RangeError(`reference ${i} (${r.name ?? r.sha256}) is an empty mask: it has no tumour to fit`);
    if (f.raw.shapeDhw.join() !== gridShapeDhw.join()) {
      throw new RangeError(`reference ${i} (${r.name ?? r.sha256}) has shapeDhw ${JSON.stringify(f.raw.shapeDhw)}, expected ${JSON.stringify(gridShapeDhw)} (resample first)`);
    }
    if (!/^[0-9a-f]{64}$/.test(r.sha256)) throw new RangeError(`reference ${i}: sha256 must be 64 lowercase hex characters, got ${JSON.stringify(r.sha256)}`);
    const raw = f.raw;
    return {
      sha256: r.sha256,
      ...(r.name !== undefined ? { name: r.name } : {}),
      features: [raw.voxelCount, raw.surfaceAreaVox, raw.sphericity, raw.comX, raw.comY, raw.comZ, raw.w, raw.h, raw.d],
    };
  });
  return { gridShapeDhw: [...gridShapeDhw], spacingMm: [...spacingMm], bandwidth, references };
}

/** A complete empirical spec from references. */
export function empiricalSpec(empirical: EmpiricalSpec, name?: string): DistributionSpec {
  return { version: DISTRIBUTION_SPEC_VERSION, kind: 'empirical', ...(name ? { name } : {}), empirical };
}
