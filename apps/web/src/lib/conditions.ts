// Reading the JSON condition records a worker stores on each volume (apps/worker run-volume.ts):
// requested = { featureNames, vector, stratum, ... }, measured = { featureNames, vector, empty, physical }.
import { FEATURES, type Feature } from './spec';

export interface ConditionRecord {
  featureNames?: string[];
  vector?: (number | null)[] | null;
  empty?: boolean;
  stratum?: string | null;
}

export function featureValue(rec: unknown, f: Feature): number | null {
  const r = rec as ConditionRecord | null | undefined;
  if (!r?.vector) return null;
  const names = r.featureNames ?? [...FEATURES];
  const i = names.indexOf(f);
  const v = i >= 0 ? r.vector[i] : null;
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
