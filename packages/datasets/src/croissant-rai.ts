/**
 * The Responsible-AI texts of croissant.json (croissant.ts builds the document): rai:syntheticDataExplanation,
 * rai:dataLimitations and rai:dataBiases, written from the manifest's measured adherence, QC and provenance.
 */
import { FEATURE_NAMES } from '@slicewise/conditioning';
import { VOLUME_PROVENANCE_SCHEMA_V2, samplerSettingsOf } from '@slicewise/provenance';
import type { AdherenceSummary } from './adherence.ts';
import { type JsonValue, type Manifest, manifestQcWaiver, manifestVolumeQc, type ManifestVolume } from './manifest.ts';

export interface CroissantModelCard {
  name: string;
  version: string;
  /** metadata.json `purpose` (production, demo, test-fixture). */
  purpose?: string | null;
  /** metadata.json `training.data_source`, or the model card's one-line summary. */
  trainingData?: string | null;
}

/** What buildCroissant needs besides the manifest (VersionMetadata passes through buildDocuments). */
export interface CroissantMetadata {
  datasetName: string;
  teamSlug?: string;
  tag?: string | null;
  description?: string | null;
  slicewiseVersion?: string;
  publishedAt?: string | null;
  license?: string | null;
  url?: string | null;
  /** Model cards of the models the version's cohorts used (name + version): quoted in the RAI fields when given. */
  models?: readonly CroissantModelCard[];
}

const f3 = (x: number | null) => (x === null ? 'n/a' : String(Number(x.toFixed(3))));
const signed = (x: number | null) => {
  if (x === null) return 'n/a';
  const r = Number(x.toFixed(3));
  return r > 0 ? `+${r}` : String(r);
};
const pct1 = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);

function labelOfPerson(by: JsonValue): string {
  if (typeof by === 'string') return by;
  if (by && typeof by === 'object' && !Array.isArray(by)) {
    for (const k of ['name', 'email', 'id']) if (typeof by[k] === 'string' && by[k]) return by[k] as string;
  }
  return 'unknown';
}

export function modelKey(x: { name: string; version: string }) {
  return `${x.name} ${x.version}`;
}

/** Distinct values with how often they occur, in first-seen order: "a (3), b (1)". */
function tally(values: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([v, n]) => `${v} (${n})`).join('; ');
}

function samplerText(v: ManifestVolume): string {
  const s = samplerSettingsOf(v.provenance);
  return `${s.sampler} ${s.numInferenceSteps} steps, eta ${s.eta}, guidance scale ${s.guidanceScale}, '${s.timestepSpacing}' timestep spacing`;
}

function calibrationText(volumes: readonly ManifestVolume[]): string {
  let applied = 0;
  let none = 0;
  const features = new Set<string>();
  const reasons: string[] = [];
  for (const v of volumes) {
    const p = v.provenance;
    if (p.schema !== VOLUME_PROVENANCE_SCHEMA_V2 || p.calibration === null) {
      none++;
      continue;
    }
    const changed = p.calibration.applied.filter((a) => a.fed !== a.requested);
    if (changed.length) {
      applied++;
      for (const a of changed) features.add(a.feature);
    } else {
      none++;
      if (p.calibration.unchangedReason) reasons.push(p.calibration.unchangedReason);
    }
  }
  const parts = [`${applied} of ${volumes.length} volume(s) had their requested condition mapped through the model's monotone calibration before it was fed to the denoiser${features.size ? ` (features: ${[...features].sort().join(', ')})` : ''}`];
  if (none) parts.push(`${none} were fed the requested condition unchanged (the model declares no calibration, or the record predates calibration${reasons.length ? `; ${tally(reasons)}` : ''})`);
  return `Condition calibration: ${parts.join('; ')}; both vectors are in each volume's provenance (condition.requested, condition.fed).`;
}

function qcSettingsText(volumes: readonly ManifestVolume[]): string {
  const described = volumes.map((v) => {
    const p = v.provenance;
    const s = p.schema === VOLUME_PROVENANCE_SCHEMA_V2 ? p.qc.settings : null;
    if (!s || !s.enabled) return 'not run';
    const tol = Object.entries(s.tolerances)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([f, t]) => `${f} ${t}`)
      .join(', ');
    const parts = [`tumour present (>= ${s.minTumourVoxels} voxels)`, `|measured - requested| within ${tol || 'no feature tolerance'}`];
    if (s.brainOutline) parts.push(`brain-outline Dice >= ${s.brainOutline.minDice}`);
    if (s.intensity) parts.push(`in-brain intensity percentiles ${s.intensity.percentiles.join('/')} within the training range`);
    return `${parts.join('; ')}; up to ${s.maxTries} tries`;
  });
  return (
    'Quality control (worker, after every generation): a volume passes when every check passes; a failed volume is generated again with a seed derived from its own (cohort seed, subject, try), ' +
    `and after the last try it is marked QC-failed. Settings used: ${tally(described)}.`
  );
}

/** rai:syntheticDataExplanation: how the volumes were generated. */
export function syntheticDataExplanation(m: Manifest, meta: CroissantMetadata): string {
  const cards = new Map((meta.models ?? []).map((c) => [modelKey(c), c]));
  const models = [...new Map(m.cohorts.map((c) => [modelKey(c.model), c.model])).values()].map((mo) => {
    const card = cards.get(modelKey(mo));
    const extra = [card?.purpose ? `declared purpose: ${card.purpose}` : '', card?.trainingData ? `trained on: ${card.trainingData}` : ''].filter(Boolean).join('; ');
    return `${modelKey(mo)}${extra ? ` (${extra})` : ''}`;
  });
  const byCohort = new Map<string, ManifestVolume[]>();
  for (const v of m.volumes) byCohort.set(v.cohortId, [...(byCohort.get(v.cohortId) ?? []), v]);
  const cohorts = m.cohorts.map((c) => {
    const vs = byCohort.get(c.id) ?? [];
    return `cohort "${c.name}" (${vs.length} volume(s), seed ${c.seed}, model ${modelKey(c.model)}, distribution version ${c.distributionVersion.id} v${c.distributionVersion.version} spec sha256 ${c.distributionVersion.specHash}; sampler ${tally(vs.map(samplerText))})`;
  });
  const post = tally(m.volumes.map((v) => (v.provenance.outputs.mask.postprocess ? `${v.provenance.outputs.mask.postprocess.op} (${v.provenance.outputs.mask.postprocess.connectivity}-connectivity)` : 'none recorded')));
  return [
    'Every image and tumour mask in this dataset is synthetic: generated by Slicewise with slice-based latent diffusion (Kebaili et al., "3D MRI Synthesis with Slice-Based Latent Diffusion Models", ISBI 2024: a 2D VAE encodes each axial slice of [image, mask]; a 3D UNet denoises the stack of slice latents conditioned on 9 tumour features), run with ONNX Runtime by the Slicewise worker.',
    `Model(s): ${models.join('; ')}.`,
    `Conditions: each volume's requested 9-feature vector (${FEATURE_NAMES.join(', ')}; normalised model units) was drawn with a seeded sampler from its cohort's distribution version. Cohorts: ${cohorts.join('; ')}.`,
    calibrationText(m.volumes),
    `The decoded mask is thresholded and post-processed (${post}); its features are then measured (the volumes' measured condition).`,
    qcSettingsText(m.volumes),
    "Each volume's seeds, model file hashes, sampler settings, runtime, every QC try and output sha256 are in manifest.json (volumes[].provenance) and prov.json, enough to regenerate the volume from its record.",
  ].join(' ');
}

/** rai:dataLimitations: the measured adherence of this version, its QC outcome and waiver. */
export function dataLimitations(m: Manifest, a: AdherenceSummary, meta: CroissantMetadata): string[] {
  const out: string[] = [
    'Synthetic data: the images and masks are model output, not scans of patients; do not use them for clinical decisions or as evidence about real patient populations. Generated anatomy and contrast reflect the model and its training data, not a clinical scanner.',
  ];
  for (const c of meta.models ?? []) {
    if (c.purpose && c.purpose !== 'production') out.push(`Model ${modelKey(c)} is declared '${c.purpose}' in its metadata: its output is not meant for research use beyond what that purpose says.`);
  }
  const tv = a.tumourVolume;
  const bins = tv.bins.map((b) => `${b.bin} [${b.requestedRange[0]}, ${b.requestedRange[1] ?? 'max'}): n ${b.n}, mean ratio ${f3(b.meanRatio)}, |relative error| median ${pct1(b.medianAbsRelError)}, p90 ${pct1(b.p90AbsRelError)}`);
  out.push(
    `Measured tumour-volume adherence of this version (normalised model units; ${tv.n} measured volume(s) that requested a tumour): generated / requested volume mean ratio ${f3(tv.meanRatio)} (median ${f3(tv.medianRatio)}), ` +
      `|relative error| median ${pct1(tv.medianAbsRelError)} and p90 ${pct1(tv.p90AbsRelError)}, Spearman rho ${f3(tv.spearmanRho)}; by requested size: ${bins.join('; ')}. ` +
      `Tumour centroid error: median ${f3(a.centroidError.medianPctFov)}%, p90 ${f3(a.centroidError.p90PctFov)}% of the field of view (n ${a.centroidError.n}). ` +
      `${a.counts.emptyMask} volume(s) have an empty mask; ${a.counts.volumes - a.counts.measured} were not measured.`,
  );
  out.push(
    `Per-feature error, measured - requested (normalised units, volumes with a tumour): ${a.features.map((f) => `${f.feature} bias ${signed(f.bias)}, median |e| ${f3(f.medianAbsError)}, p90 |e| ${f3(f.p90AbsError)} (n ${f.n})`).join('; ')}.`,
  );
  const notRun = m.volumes.map(manifestVolumeQc).filter((q) => q.status === 'not-run');
  out.push(
    `Quality control: ${a.qc.passed} of ${a.qc.checked} checked volume(s) passed (pass rate ${pct1(a.qc.passRate)}), ${a.qc.failed} failed; ${a.qc.regenerations} regeneration(s) over ${a.qc.tries} generation(s). ` +
      (notRun.length ? `${notRun.length} volume(s) were not checked: ${tally(notRun.map((q) => q.reasons.join('; ')))}.` : 'Every volume was checked.'),
  );
  const waiver = manifestQcWaiver(m);
  if (waiver) {
    out.push(
      `QC waiver: ${waiver.qcFailedVolumes.length} volume(s) that failed quality control are included on purpose, waived by ${labelOfPerson(waiver.by)}: "${waiver.reason}". ` +
        "Their ids are in manifest.json qcWaiver.qcFailedVolumes; each volume's qc_status and qc_reasons fields say why it failed.",
    );
  } else if (a.qc.failed > 0) {
    out.push(`${a.qc.failed} volume(s) failed quality control. This version was published before QC waivers were recorded (manifest schema ${m.schema}), so no waiver is on record; filter on each volume's QC status (manifest.json volumes[].provenance.qc).`);
  }
  return out;
}

export function dataBiases(m: Manifest, a: AdherenceSummary): string {
  const dvs = [...new Map(m.cohorts.map((c) => [c.distributionVersion.id, c.distributionVersion])).values()].map((d) => `${d.id} v${d.version} (spec sha256 ${d.specHash})`);
  return (
    `Tumour size, shape and position follow the requested distribution version(s) ${dvs.join(', ')}, chosen by the requester, not an epidemiological population. ` +
    `The generated tumours deviate systematically from the request by the per-feature bias in rai:dataLimitations (tumour volume mean ratio ${f3(a.tumourVolume.meanRatio)}); appearance inherits the model's training data.`
  );
}
