/** Shared types and constants of the conditioning contract (SPEC.md). */

/** The nine features in the paper's order (SPEC.md, "The nine features"). */
export const FEATURE_NAMES = [
  'voxel_volume',
  'surface_area',
  'sphericity',
  'x',
  'y',
  'z',
  'w',
  'h',
  'd',
] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];

/** Normalised 9-vector in paper order: [voxel_volume, surface_area, sphericity, x, y, z, w, h, d]. */
export type Features9 = [number, number, number, number, number, number, number, number, number];

/** [D, H, W]: D = axial slices (NIfTI k), H = rows (j), W = columns (i, fastest in memory). */
export type ShapeDhw = [number, number, number];

/** [sx, sy, sz] in millimetres along x (W), y (H), z (D): NIfTI pixdim[1..3]. */
export type SpacingMm = [number, number, number];

/** A 3-vector ordered along the feature axes x (W), y (H), z (D). */
export type Vec3Xyz = [number, number, number];

export function featureIndex(name: FeatureName): number {
  return FEATURE_NAMES.indexOf(name);
}
