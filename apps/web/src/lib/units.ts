// Normalised features -> physical units, with the scales the API computes per model from the anatomy one
// voxel covers (Model.physicalUnits: physical = normalised * scale). No formula is copied here.
import type { ModelUnitsFragment } from '@/generated/gql/graphql';
import type { Feature } from './spec';
import { UNIT_LABEL } from './spec';

export type UnitModel = Pick<ModelUnitsFragment, 'physicalUnits' | 'anatomicalSpacingMm'> | null | undefined;

/** The feature in its physical unit, or null when the model gives no scale for it. */
export function toPhysical(model: UnitModel, feature: Feature, normalised: number | null): { value: number; unit: string; approximate: boolean } | null {
  if (normalised === null) return null;
  const u = model?.physicalUnits.find((p) => p.feature === feature);
  if (!u) return null;
  return { value: normalised * u.scale, unit: UNIT_LABEL[u.unit as keyof typeof UNIT_LABEL] ?? u.unit, approximate: u.approximate };
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));

/** "12.3 mL" (or the normalised value with 3 decimals when there is no physical unit). */
export function formatFeature(model: UnitModel, feature: Feature, normalised: number | null): string {
  if (normalised === null) return '—';
  const p = toPhysical(model, feature, normalised);
  if (!p) return normalised.toFixed(3);
  return `${p.approximate ? '≈' : ''}${fmt(p.value)}${p.unit ? ` ${p.unit}` : ''}`;
}

/** "3 mm voxels" / "3×3×4 mm voxels", from the anatomy one voxel covers. */
export function voxelSizeLabel(model: UnitModel): string | null {
  const s = model?.anatomicalSpacingMm;
  if (!s || s.length !== 3) return null;
  return s.every((x) => x === s[0]) ? `${s[0]} mm voxels` : `${s.join('×')} mm voxels`;
}
