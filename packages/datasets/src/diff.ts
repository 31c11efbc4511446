/**
 * Diff of two dataset versions: which volumes were added or removed, and how the condition distributions
 * moved per feature (side-by-side histograms on shared edges, two-sample KS statistic and p-value).
 *
 * Volume identity is (volume id, image sha256): the same generated volume in both versions is
 * "unchanged" even if its review state differs (reported separately as reviewChanged).
 * Either side may be any manifest schema version (/1 QC status comes from the provenance records).
 */
import { FEATURE_NAMES } from '@slicewise/conditioning';
import { type Histogram, type KsResult, ksTwoSample, sharedHistogram } from './ks.ts';
import { type JsonValue, type Manifest, type ManifestVolume, manifestVolumeQc } from './manifest.ts';

export interface FeatureDiff {
  /** `requested.<feature>`, `measured.<feature>` or `measuredPhysical.<field>`. */
  feature: string;
  countA: number;
  countB: number;
  meanA: number | null;
  meanB: number | null;
  histogram: Histogram;
  /** null if either side has no values. */
  ks: KsResult | null;
}

export interface VolumeRef {
  id: string;
  cohortId: string;
  subjectIndex: number;
  imageSha256: string;
}

export interface QcCounts {
  passed: number;
  failed: number;
  notRun: number;
}

export interface ManifestDiff {
  added: VolumeRef[];
  removed: VolumeRef[];
  unchanged: number;
  reviewChanged: { id: string; from: string; to: string }[];
  /** Volumes by quality-control status on each side. */
  qc: { a: QcCounts; b: QcCounts };
  features: FeatureDiff[];
}

function qcCounts(m: Manifest): QcCounts {
  const c: QcCounts = { passed: 0, failed: 0, notRun: 0 };
  for (const v of m.volumes) {
    const s = manifestVolumeQc(v).status;
    if (s === 'passed') c.passed++;
    else if (s === 'failed') c.failed++;
    else c.notRun++;
  }
  return c;
}

const PHYSICAL: [string, (p: Record<string, JsonValue>) => JsonValue | undefined][] = [
  ['volumeMl', (p) => p.volumeMl],
  ['surfaceAreaMm2', (p) => p.surfaceAreaMm2],
  ['sphericity', (p) => p.sphericity],
  ['centroidMm.x', (p) => (Array.isArray(p.centroidMm) ? p.centroidMm[0] : undefined)],
  ['centroidMm.y', (p) => (Array.isArray(p.centroidMm) ? p.centroidMm[1] : undefined)],
  ['centroidMm.z', (p) => (Array.isArray(p.centroidMm) ? p.centroidMm[2] : undefined)],
  ['extentsMm.x', (p) => (Array.isArray(p.extentsMm) ? p.extentsMm[0] : undefined)],
  ['extentsMm.y', (p) => (Array.isArray(p.extentsMm) ? p.extentsMm[1] : undefined)],
  ['extentsMm.z', (p) => (Array.isArray(p.extentsMm) ? p.extentsMm[2] : undefined)],
];

function obj(v: JsonValue | undefined): Record<string, JsonValue> | null {
  return v && typeof v === 'object' && !Array.isArray(v) ? v : null;
}

/** Feature name -> value for one volume; absent conditions simply contribute nothing. */
export function featureValues(v: ManifestVolume): Map<string, number> {
  const out = new Map<string, number>();
  const vec = (c: JsonValue, prefix: string) => {
    const vector = obj(c)?.vector;
    if (!Array.isArray(vector)) return;
    FEATURE_NAMES.forEach((f, i) => {
      const x = vector[i];
      if (typeof x === 'number' && Number.isFinite(x)) out.set(`${prefix}.${f}`, x);
    });
  };
  vec(v.requestedCondition, 'requested');
  vec(v.measuredCondition, 'measured');
  const phys = obj(obj(v.measuredCondition)?.physical);
  if (phys) {
    for (const [name, pick] of PHYSICAL) {
      const x = pick(phys);
      if (typeof x === 'number' && Number.isFinite(x)) out.set(`measuredPhysical.${name}`, x);
    }
  }
  return out;
}

export const DIFF_FEATURES: readonly string[] = [
  ...FEATURE_NAMES.map((f) => `requested.${f}`),
  ...FEATURE_NAMES.map((f) => `measured.${f}`),
  ...PHYSICAL.map(([n]) => `measuredPhysical.${n}`),
];

export function diffManifests(a: Manifest, b: Manifest, opts: { bins?: number } = {}): ManifestDiff {
  const sha = (m: Manifest) => new Map(m.files.filter((f) => f.kind === 'image').map((f) => [f.path, f.sha256]));
  const shaA = sha(a);
  const shaB = sha(b);
  const ref = (v: ManifestVolume, s: Map<string, string>): VolumeRef => ({ id: v.id, cohortId: v.cohortId, subjectIndex: v.subjectIndex, imageSha256: s.get(v.image) ?? '' });
  const key = (r: VolumeRef) => `${r.id}:${r.imageSha256}`;
  const refsA = new Map(a.volumes.map((v) => [key(ref(v, shaA)), v]));
  const refsB = new Map(b.volumes.map((v) => [key(ref(v, shaB)), v]));
  const added: VolumeRef[] = [];
  const removed: VolumeRef[] = [];
  const reviewChanged: ManifestDiff['reviewChanged'] = [];
  let unchanged = 0;
  for (const [k, v] of refsB) {
    const old = refsA.get(k);
    if (!old) added.push(ref(v, shaB));
    else {
      unchanged++;
      if (old.review.state !== v.review.state) reviewChanged.push({ id: v.id, from: old.review.state, to: v.review.state });
    }
  }
  for (const [k, v] of refsA) if (!refsB.has(k)) removed.push(ref(v, shaA));

  const valuesA = a.volumes.map(featureValues);
  const valuesB = b.volumes.map(featureValues);
  const features: FeatureDiff[] = DIFF_FEATURES.map((feature) => {
    const xa = valuesA.flatMap((m) => (m.has(feature) ? [m.get(feature)!] : []));
    const xb = valuesB.flatMap((m) => (m.has(feature) ? [m.get(feature)!] : []));
    const mean = (s: number[]) => (s.length ? s.reduce((p, q) => p + q, 0) / s.length : null);
    return {
      feature,
      countA: xa.length,
      countB: xb.length,
      meanA: mean(xa),
      meanB: mean(xb),
      histogram: sharedHistogram(xa, xb, opts.bins ?? 20),
      ks: xa.length && xb.length ? ksTwoSample(xa, xb) : null,
    };
  });
  return { added, removed, unchanged, reviewChanged, qc: { a: qcCounts(a), b: qcCounts(b) }, features };
}
