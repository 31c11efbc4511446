// Quality control and model choice in the web app (issue 14): which models are offered and in what order,
// the per-cohort QC overrides sent with a request, and reading the cohort's adherence report
// (@slicewise/datasets Adherence, schema slicewise-adherence/1, normalised feature units).
import type { ModelPurpose, QcStatus } from '@/generated/gql/graphql';
import type { UserErrorLike } from './graphql-client';

export const PURPOSE_LABEL: Record<ModelPurpose, string> = { PRODUCTION: 'production', DEMO: 'demo', TEST_FIXTURE: 'test fixture' };
export const QC_STATUS_LABEL: Record<QcStatus, string> = { PASSED: 'QC passed', FAILED: 'QC failed', NOT_RUN: 'QC not run' };
export const QC_MAX_TRIES = 10;
/** Largest tolerance a request may set (normalised units; @slicewise/models MAX_TOLERANCE). */
export const QC_MAX_TOLERANCE = 10;

const PURPOSE_RANK: Record<ModelPurpose, number> = { PRODUCTION: 0, DEMO: 1, TEST_FIXTURE: 2 };

/**
 * The models a person may choose: never a test fixture (the API still lists them, flagged), the default first,
 * then production before demo; otherwise the API's order (by name). The first one is the preselection.
 */
export function offeredModels<M extends { purpose: ModelPurpose; isDefault: boolean }>(models: readonly M[]): M[] {
  return models
    .map((m, i) => ({ m, i }))
    .filter(({ m }) => m.purpose !== 'TEST_FIXTURE')
    .sort((a, b) => Number(b.m.isDefault) - Number(a.m.isDefault) || PURPOSE_RANK[a.m.purpose] - PURPOSE_RANK[b.m.purpose] || a.i - b.i)
    .map(({ m }) => m);
}

/** The preselected model: `preferred` when it is offered (the model a distribution was saved with), else the first offered. */
export function preselectModel<M extends { id: string; purpose: ModelPurpose; isDefault: boolean }>(models: readonly M[], preferred?: string | null): M | null {
  const offered = offeredModels(models);
  return offered.find((m) => m.id === preferred) ?? offered[0] ?? null;
}

/** Field of a tolerance input in the request dialog (userErrors on `qc.tolerances.<feature>` land there). */
export const toleranceField = (feature: string) => `tolerance:${feature}`;

/** The dialog's QC fields for useMutationForm: the API names them `input.qc.<field>` / `input.qc.tolerances.<feature>`. */
export function qcFieldErrors(errors: readonly UserErrorLike[]): UserErrorLike[] {
  return errors.map((e) => {
    const at = e.field.indexOf('qc');
    if (at < 0) return e;
    const rest = e.field.slice(at + 1);
    if (rest[0] === 'tolerances' && rest[1]) return { ...e, field: [toleranceField(rest[1])] };
    if (rest[0] === 'enabled') return { ...e, field: ['qcEnabled'] };
    if (rest[0] === 'maxTries') return { ...e, field: ['qcMaxTries'] };
    return e;
  });
}

export const QC_FORM_FIELDS = ['qcEnabled', 'qcMaxTries'] as const;

/**
 * The tolerances to send: only the ones changed from the model's default (unset keeps the model's). A value
 * the person typed that is not a number in [0, QC_MAX_TOLERANCE] is returned as an error on its field and
 * nothing is sent.
 */
export function toleranceOverrides(defaults: readonly { feature: string; abs: number }[], typed: Record<string, number | string>): { tolerances: { feature: string; abs: number }[]; errors: Record<string, string> } {
  const tolerances: { feature: string; abs: number }[] = [];
  const errors: Record<string, string> = {};
  for (const d of defaults) {
    const v = typed[d.feature];
    if (v === undefined || v === '') continue; // untouched or cleared: the model's default
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > QC_MAX_TOLERANCE) {
      errors[toleranceField(d.feature)] = `A number in [0, ${QC_MAX_TOLERANCE}] (normalised units), got ${String(v)}`;
      continue;
    }
    if (v !== d.abs) tolerances.push({ feature: d.feature, abs: v });
  }
  return { tolerances, errors };
}

/** The parts of Cohort.adherence the panel reads (schema slicewise-adherence/1). */
export interface AdherenceReport {
  schema: string;
  counts: { volumes: number; measured: number; emptyMask: number };
  qc: { checked: number; passed: number; failed: number; notRun: number; passRate: number | null; regenerations: number; tries: number };
  features: { feature: string; n: number; bias: number | null; medianAbsError: number | null; p90AbsError: number | null }[];
  tumourVolume: { n: number; meanRatio: number | null; medianAbsRelError: number | null; p90AbsRelError: number | null; spearmanRho: number | null };
  centroidError: { n: number; meanPctFov: number | null; medianPctFov: number | null; p90PctFov: number | null };
  scatter: { features: string[]; total: number; shown: number; outliersKept: number; points: { volumeId: string | null; requested: number[]; measured: number[] }[] };
}

/** The report when it has the shape the panel reads, else null (an unknown schema is not guessed at). */
export function readAdherence(raw: unknown): AdherenceReport | null {
  const a = raw as Partial<AdherenceReport> | null;
  if (!a || typeof a !== 'object' || a.schema !== 'slicewise-adherence/1') return null;
  if (!Array.isArray(a.features) || !a.qc || !a.scatter || !Array.isArray(a.scatter.points) || !a.counts || !a.tumourVolume || !a.centroidError) return null;
  return a as AdherenceReport;
}

/** Points of one scatter feature, and the [lo, hi] both axes share so the identity line is the diagonal. */
export function scatterSeries(report: AdherenceReport, feature: string): { points: { requested: number; measured: number; volumeId: string | null }[]; domain: [number, number] } {
  const k = report.scatter.features.indexOf(feature);
  const points = k < 0 ? [] : report.scatter.points.map((p) => ({ requested: p.requested[k]!, measured: p.measured[k]!, volumeId: p.volumeId }));
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of points) {
    lo = Math.min(lo, p.requested, p.measured);
    hi = Math.max(hi, p.requested, p.measured);
  }
  if (!Number.isFinite(lo)) return { points, domain: [0, 1] };
  const pad = (hi - lo) * 0.05 || 0.05;
  return { points, domain: [Math.max(0, lo - pad), hi + pad] };
}
