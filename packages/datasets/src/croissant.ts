/**
 * croissant.json: MLCommons Croissant 1.1 JSON-LD with the Responsible-AI (RAI) vocabulary, built from a manifest
 * (any schema version) and the version's metadata. Section names below are those of the Croissant 1.1
 * specification (docs/croissant-spec-1.1.md, "Version 1.1", http://mlcommons.org/croissant/1.1) and of the RAI
 * specification (docs/croissant-rai-spec.md, http://mlcommons.org/croissant/RAI/1.0); the terms this file emits
 * are listed, with their sources, in testing/croissant-vocabulary.json, and the test checks every one.
 *
 * - @context: the 1.1 "Appendix 1: JSON-LD context" keys, plus the `prov` prefix ("Using External Vocabularies":
 *   an external vocabulary's prefix must be declared in @context). `@vocab`/`sc` are https://schema.org/: the
 *   Appendix writes http://schema.org/, but the reference loader (mlcroissant, whose context and rdflib's SDO
 *   namespace use https) and the repository's 1.1 example datasets use https, and schema.org treats the two as
 *   the same vocabulary.
 * - conformsTo ("Prerequisites > Namespaces", dct:conformsTo MANY): Croissant 1.1 and RAI 1.0.
 * - distribution ("Resources"): a FileObject per file with `sha256` ("Dataset Versioning/Checkpoints >
 *   Checksums"), manifest.json (sha256 = the version hash) and the other derived documents; FileSets for
 *   images/ and masks/ (NIfTI-1, gzip: encodingFormat MANY, a URL for a niche format).
 * - recordSet ("RecordSets", "Joins"): `images` and `masks` (one record per file: path + content), and
 *   `volumes` (one record per volume, from manifest.json by JSONPath) joined to them through `references`;
 *   the mask content is `cr:SegmentationMask` + `sc:ImageObject` ("ML-specific Features > SegmentationMask",
 *   the image form: 0 outside, 1 inside). /2 manifests add the volume's QC fields and `adherence` RecordSets.
 * - provenance ("Responsible AI and Governance > Provenance Representation"): dataset-level
 *   prov:wasGeneratedBy (one prov:Activity per cohort request), prov:wasDerivedFrom (models, distribution
 *   versions) and prov:wasAttributedTo; field-level prov:wasGeneratedBy / prov:wasAttributedTo /
 *   prov:wasDerivedFrom on every generated field (image and mask content, requested and measured features,
 *   QC); data-level provenance as a RecordSet `annotation` with `equivalentProperty: prov:wasGeneratedBy`
 *   whose subFields are each volume's seed, noise stream, model, sampler and worker. Activity IRIs are those of
 *   prov.json, so both documents name the same nodes.
 * - RAI: rai:hasSyntheticData, rai:syntheticDataExplanation (model, method, sampler, conditions,
 *   calibration, post-processing, QC), rai:dataLimitations (the measured adherence of this version, its QC
 *   outcome and the QC waiver), rai:dataBiases, rai:dataUseCases, rai:dataCollection. hasSyntheticData and
 *   syntheticDataExplanation are not in the RAI 1.0 specification text; they are the names the RAI editor and
 *   the NeurIPS 2026 minimal RAI field list use (see the vocabulary fixture), in the rai: namespace.
 * - version: schema.org `version` only when the tag is MAJOR.MINOR.PATCH ("Dataset Versioning > Version";
 *   mlcroissant refuses other strings); the content hash is always in `identifier`.
 */
import { FEATURE_NAMES } from '@slicewise/conditioning';
import { VOLUME_PROVENANCE_SCHEMA_V2, samplerSettingsOf } from '@slicewise/provenance';
import type { AdherenceSummary } from './adherence.ts';
import {
  type JsonValue,
  type Manifest,
  MANIFEST_SCHEMA_V2,
  manifestAdherence,
  manifestBytes,
  manifestQcWaiver,
  manifestVolumeQc,
  type ManifestVolume,
} from './manifest.ts';

export const CROISSANT_CONFORMS_TO = ['http://mlcommons.org/croissant/1.1', 'http://mlcommons.org/croissant/RAI/1.0'] as const;
const PROV_NS = 'http://www.w3.org/ns/prov#';
/** IRIs of prov.json's nodes (its `sw:` prefix), so Croissant and PROV-JSON name the same activities and entities. */
export const SW_NS = 'https://slicewise.dev/ns/prov#';
const NIFTI1 = 'https://nifti.nimh.nih.gov/nifti-1/';

/** Croissant 1.1 Appendix 1 context (https schema.org, see the file comment) + the PROV-O prefix. */
export const CROISSANT_CONTEXT: Record<string, JsonValue> = {
  '@language': 'en',
  '@vocab': 'https://schema.org/',
  sc: 'https://schema.org/',
  cr: 'http://mlcommons.org/croissant/',
  rai: 'http://mlcommons.org/croissant/RAI/',
  dct: 'http://purl.org/dc/terms/',
  prov: PROV_NS,
  annotation: 'cr:annotation',
  arrayShape: 'cr:arrayShape',
  citeAs: 'cr:citeAs',
  column: 'cr:column',
  conformsTo: 'dct:conformsTo',
  containedIn: 'cr:containedIn',
  data: { '@id': 'cr:data', '@type': '@json' },
  dataType: { '@id': 'cr:dataType', '@type': '@vocab' },
  equivalentProperty: 'cr:equivalentProperty',
  examples: { '@id': 'cr:examples', '@type': '@json' },
  excludes: 'cr:excludes',
  extract: 'cr:extract',
  field: 'cr:field',
  fileProperty: 'cr:fileProperty',
  fileObject: 'cr:fileObject',
  fileSet: 'cr:fileSet',
  format: 'cr:format',
  includes: 'cr:includes',
  isArray: 'cr:isArray',
  isLiveDataset: 'cr:isLiveDataset',
  jsonPath: 'cr:jsonPath',
  key: 'cr:key',
  md5: 'cr:md5',
  parentField: 'cr:parentField',
  recordSet: 'cr:recordSet',
  references: 'cr:references',
  regex: 'cr:regex',
  readLines: 'cr:readLines',
  sdVersion: 'cr:sdVersion',
  separator: 'cr:separator',
  source: 'cr:source',
  subField: 'cr:subField',
  transform: 'cr:transform',
  unArchive: 'cr:unArchive',
  value: 'cr:value',
};

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

/** A sibling document of the export (datalist.json, ...) listed with its sha256. */
export interface SiblingDocument {
  path: string;
  sha256: string;
  bytes: number;
  description: string;
}

const SEMVER = /^\d+\.\d+\.\d+$/;
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

function modelKey(x: { name: string; version: string }) {
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
function syntheticDataExplanation(m: Manifest, meta: CroissantMetadata): string {
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
function dataLimitations(m: Manifest, a: AdherenceSummary, meta: CroissantMetadata): string[] {
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

function dataBiases(m: Manifest, a: AdherenceSummary): string {
  const dvs = [...new Map(m.cohorts.map((c) => [c.distributionVersion.id, c.distributionVersion])).values()].map((d) => `${d.id} v${d.version} (spec sha256 ${d.specHash})`);
  return (
    `Tumour size, shape and position follow the requested distribution version(s) ${dvs.join(', ')}, chosen by the requester, not an epidemiological population. ` +
    `The generated tumours deviate systematically from the request by the per-feature bias in rai:dataLimitations (tumour volume mean ratio ${f3(a.tumourVolume.meanRatio)}); appearance inherits the model's training data.`
  );
}

const ref = (id: string): JsonValue => ({ '@id': id });
const jsonField = (id: string, name: string, dataType: JsonValue, jsonPath: string, description: string, extra: Record<string, JsonValue> = {}): Record<string, JsonValue> => ({
  '@type': 'cr:Field',
  '@id': `volumes/${id}`,
  name,
  description,
  dataType,
  source: { fileObject: ref('manifest.json'), extract: { jsonPath } },
  ...extra,
});
const activity = (label: string): JsonValue => ({ '@type': 'prov:Activity', 'prov:label': label });
const WORKER: JsonValue = { '@type': 'prov:SoftwareAgent', 'prov:label': 'Slicewise worker (slice-based latent diffusion on ONNX Runtime)' };

export function buildCroissant(m: Manifest, meta: CroissantMetadata, hash: string, siblings: readonly SiblingDocument[] = []): Record<string, JsonValue> {
  const a = manifestAdherence(m);
  const v2 = m.schema === MANIFEST_SCHEMA_V2;
  const models = [...new Map(m.cohorts.map((c) => [modelKey(c.model), c.model])).values()];
  const dvIri = (id: string) => `${SW_NS}distribution-version-${id}`;
  const modelIri = (name: string, version: string) => `${SW_NS}model-${name}-${version}`;
  const dvRefs = [...new Set(m.cohorts.map((c) => c.distributionVersion.id))].map((id) => ref(dvIri(id)));

  const nifti = ['application/gzip', NIFTI1];
  const distribution: JsonValue[] = [
    { '@type': 'cr:FileObject', '@id': 'manifest.json', name: 'manifest.json', description: 'The version manifest: every file with sha256, every volume with conditions, provenance, review and QC. Its sha256 is the version identity.', contentUrl: 'manifest.json', encodingFormat: 'application/json', contentSize: `${manifestBytes(m).length} B`, sha256: hash },
    ...siblings.map((d) => ({ '@type': 'cr:FileObject', '@id': d.path, name: d.path, description: d.description, contentUrl: d.path, encodingFormat: 'application/json', contentSize: `${d.bytes} B`, sha256: d.sha256 })),
    ...m.files.map((f) => ({ '@type': 'cr:FileObject', '@id': f.path, name: f.path, contentUrl: f.path, encodingFormat: 'application/gzip', contentSize: `${f.bytes} B`, sha256: f.sha256 })),
    { '@type': 'cr:FileSet', '@id': 'images', name: 'images', description: 'Generated T1-like images: NIfTI-1, float32, gzip.', encodingFormat: nifti, includes: 'images/*.nii.gz' },
    { '@type': 'cr:FileSet', '@id': 'masks', name: 'masks', description: 'Generated whole-tumour segmentation masks: NIfTI-1 label (uint8: 0 background, 1 tumour), gzip, voxel-aligned with the image.', encodingFormat: nifti, includes: 'masks/*.nii.gz' },
  ];

  const imageGen = activity('slice-based latent diffusion sampling and VAE decoding of the volume (per-volume seed and settings: volumes/generation)');
  const fileRecordSet = (id: 'images' | 'masks', contentType: JsonValue, description: string, generated: JsonValue): JsonValue => ({
    '@type': 'cr:RecordSet',
    '@id': id,
    name: id,
    description,
    key: ref(`${id}/path`),
    field: [
      { '@type': 'cr:Field', '@id': `${id}/path`, name: 'path', description: 'Path of the file relative to the dataset root.', dataType: 'sc:Text', source: { fileSet: ref(id), extract: { fileProperty: 'fullpath' } } },
      { '@type': 'cr:Field', '@id': `${id}/content`, name: 'content', description, dataType: contentType, source: { fileSet: ref(id), extract: { fileProperty: 'content' } }, 'prov:wasGeneratedBy': generated, 'prov:wasAttributedTo': WORKER },
    ],
  });

  const measuredGen = activity('tumour feature measurement of the post-processed generated mask (@slicewise/conditioning features)');
  const requestedGen = activity("seeded condition sampling from the cohort's distribution version");
  const qcGen = activity('quality control of the generated volume by the worker (checks, regeneration with derived seeds)');
  const featureFields = [
    ...FEATURE_NAMES.map((f, i) =>
      jsonField(`requested_${f}`, `requested_${f}`, 'sc:Float', `$.volumes[*].requestedCondition.vector[${i}]`, `Requested ${f} (normalised model units)`, { 'prov:wasGeneratedBy': requestedGen, 'prov:wasDerivedFrom': dvRefs }),
    ),
    ...FEATURE_NAMES.map((f, i) =>
      jsonField(`measured_${f}`, `measured_${f}`, 'sc:Float', `$.volumes[*].measuredCondition.vector[${i}]`, `Measured ${f} of the generated mask (normalised model units)`, {
        'prov:wasGeneratedBy': measuredGen,
        'prov:wasDerivedFrom': ref('volumes/mask_content'),
        'prov:wasAttributedTo': WORKER,
      }),
    ),
  ];
  const qcFields = v2
    ? [
        jsonField('qc_status', 'qc_status', 'sc:Text', '$.volumes[*].qc.status', "Quality-control outcome: passed, failed (published under the version's QC waiver) or not-run", { 'prov:wasGeneratedBy': qcGen, 'prov:wasAttributedTo': WORKER }),
        jsonField('qc_tries', 'qc_tries', 'sc:Integer', '$.volumes[*].qc.tries', 'Generations of the volume (1 = kept on the first try)', { 'prov:wasGeneratedBy': qcGen }),
        jsonField('qc_reasons', 'qc_reasons', 'sc:Text', '$.volumes[*].qc.reasons', 'Why the volume is not a plain pass (failed checks, or why QC did not run)', { isArray: true, 'prov:wasGeneratedBy': qcGen }),
      ]
    : [];
  const sub = (id: string, dataType: string, jsonPath: string, description: string): JsonValue => ({ '@type': 'cr:Field', '@id': `volumes/generation/${id}`, name: id, description, dataType, source: { fileObject: ref('manifest.json'), extract: { jsonPath } } });
  const volumes: JsonValue = {
    '@type': 'cr:RecordSet',
    '@id': 'volumes',
    name: 'volumes',
    description: 'One record per generated volume: the image and its tumour mask, the requested and measured tumour features, review and quality control.',
    key: ref('volumes/id'),
    field: [
      jsonField('id', 'id', 'sc:Text', '$.volumes[*].id', 'Volume id'),
      jsonField('cohort_id', 'cohort_id', 'sc:Text', '$.volumes[*].cohortId', 'Cohort the volume was generated in'),
      jsonField('subject_index', 'subject_index', 'sc:Integer', '$.volumes[*].subjectIndex', 'Index of the subject within its cohort'),
      jsonField('image', 'image', 'sc:Text', '$.volumes[*].image', 'Relative path of the image (NIfTI-1, gzip)', { references: ref('images/path') }),
      { '@type': 'cr:Field', '@id': 'volumes/image_content', name: 'image_content', description: 'The generated image', dataType: 'sc:ImageObject', source: ref('images/content') },
      jsonField('mask', 'mask', 'sc:Text', '$.volumes[*].mask', 'Relative path of the tumour mask (NIfTI-1 label, gzip)', { references: ref('masks/path') }),
      { '@type': 'cr:Field', '@id': 'volumes/mask_content', name: 'mask_content', description: 'The generated whole-tumour segmentation mask (0 background, 1 tumour)', dataType: ['cr:SegmentationMask', 'sc:ImageObject'], source: ref('masks/content') },
      jsonField('review_state', 'review_state', 'sc:Text', '$.volumes[*].review.state', 'Collaborative review state'),
      ...qcFields,
      ...featureFields,
    ],
    annotation: {
      '@type': 'cr:Field',
      '@id': 'volumes/generation',
      name: 'generation',
      description: 'The generation of this volume (image and mask): its seeds, model, sampler and worker, per record.',
      dataType: 'prov:Activity',
      equivalentProperty: 'prov:wasGeneratedBy',
      subField: [
        sub('volume_seed', 'sc:Text', '$.volumes[*].provenance.seeds.volumeSeed', 'Per-volume seed (decimal)'),
        sub('noise', 'sc:Text', '$.volumes[*].provenance.seeds.noise.rng', 'Noise stream of the kept try'),
        sub('model', 'sc:Text', '$.volumes[*].provenance.model.name', 'Model name'),
        sub('model_version', 'sc:Text', '$.volumes[*].provenance.model.version', 'Model version'),
        sub('sampler', 'sc:Text', '$.volumes[*].provenance.scheduler.sampler', 'Sampler'),
        sub('num_inference_steps', 'sc:Integer', '$.volumes[*].provenance.scheduler.numInferenceSteps', 'Denoising steps'),
        sub('guidance_scale', 'sc:Float', '$.volumes[*].provenance.scheduler.guidanceScale', 'Classifier-free guidance scale'),
        sub('worker', 'sc:Text', '$.volumes[*].provenance.worker.id', 'Worker that generated the volume'),
        sub('ended_at', 'sc:DateTime', '$.volumes[*].provenance.createdAt', 'When the generation was recorded'),
      ],
    },
  };
  const recordSet: JsonValue[] = [
    fileRecordSet('images', 'sc:ImageObject', 'Generated image (NIfTI-1, float32).', imageGen),
    fileRecordSet('masks', ['cr:SegmentationMask', 'sc:ImageObject'], 'Generated whole-tumour segmentation mask (NIfTI-1 label: 0 outside, 1 inside the tumour).', activity('tumour mask decoded with the image, thresholded and post-processed as the model declares')),
    volumes,
  ];
  if (v2) {
    const af = (id: string, dataType: string, jsonPath: string, description: string): JsonValue => ({ '@type': 'cr:Field', '@id': `adherence/${id}`, name: id, description, dataType, source: { fileObject: ref('manifest.json'), extract: { jsonPath } } });
    const bf = (id: string, dataType: string, jsonPath: string, description: string): JsonValue => ({ '@type': 'cr:Field', '@id': `adherence_bins/${id}`, name: id, description, dataType, source: { fileObject: ref('manifest.json'), extract: { jsonPath } } });
    recordSet.push(
      {
        '@type': 'cr:RecordSet',
        '@id': 'adherence',
        name: 'adherence',
        description: 'Measured adherence per feature, as computed when the version was published (error = measured - requested, normalised units, volumes with a tumour).',
        key: ref('adherence/feature'),
        field: [
          af('feature', 'sc:Text', '$.adherence.features[*].feature', 'Feature'),
          af('n', 'sc:Integer', '$.adherence.features[*].n', 'Volumes in the statistic'),
          af('bias', 'sc:Float', '$.adherence.features[*].bias', 'Mean error'),
          af('median_abs_error', 'sc:Float', '$.adherence.features[*].medianAbsError', 'Median |error|'),
          af('p90_abs_error', 'sc:Float', '$.adherence.features[*].p90AbsError', '90th percentile of |error|'),
        ],
      },
      {
        '@type': 'cr:RecordSet',
        '@id': 'adherence_bins',
        name: 'adherence_bins',
        description: 'Generated / requested tumour volume per size bin of the requested volume (normalised units).',
        key: ref('adherence_bins/bin'),
        field: [
          bf('bin', 'sc:Text', '$.adherence.tumourVolume.bins[*].bin', 'Size bin'),
          bf('n', 'sc:Integer', '$.adherence.tumourVolume.bins[*].n', 'Volumes in the bin'),
          bf('mean_ratio', 'sc:Float', '$.adherence.tumourVolume.bins[*].meanRatio', 'Mean generated / requested volume'),
          bf('median_abs_rel_error', 'sc:Float', '$.adherence.tumourVolume.bins[*].medianAbsRelError', 'Median |ratio - 1|'),
          bf('p90_abs_rel_error', 'sc:Float', '$.adherence.tumourVolume.bins[*].p90AbsRelError', '90th percentile of |ratio - 1|'),
        ],
      },
    );
  }

  const cohortActivities: JsonValue[] = m.cohorts.map((c) => ({
    '@type': 'prov:Activity',
    '@id': `${SW_NS}cohort-request-${c.id}`,
    'prov:label': `cohort "${c.name}": generation with model ${modelKey(c.model)}, seed ${c.seed}`,
    'prov:startedAtTime': c.createdAt,
    'prov:used': [ref(modelIri(c.model.name, c.model.version)), ref(dvIri(c.distributionVersion.id))],
  }));
  const d: Record<string, JsonValue> = {
    '@context': CROISSANT_CONTEXT,
    '@type': 'sc:Dataset',
    conformsTo: [...CROISSANT_CONFORMS_TO],
    name: meta.datasetName,
    description:
      meta.description ||
      `Synthetic brain MRI volumes with paired tumour segmentation masks (slice-based latent diffusion, model ${models.map(modelKey).join(', ')}); ${m.volumes.length} volumes; manifest sha256 ${hash}.`,
    identifier: `sha256:${hash}`,
    keywords: ['synthetic data', 'brain MRI', 'tumour segmentation', 'latent diffusion'],
    isLiveDataset: false,
    distribution,
    recordSet,
    'prov:wasGeneratedBy': cohortActivities,
    'prov:wasDerivedFrom': [...models.map((x) => ref(modelIri(x.name, x.version))), ...dvRefs],
    'prov:wasAttributedTo': { '@type': 'prov:SoftwareAgent', 'prov:label': `Slicewise ${meta.slicewiseVersion ?? '0.1.0'}` },
    'rai:hasSyntheticData': true,
    'rai:syntheticDataExplanation': syntheticDataExplanation(m, meta),
    'rai:dataLimitations': dataLimitations(m, a, meta),
    'rai:dataBiases': dataBiases(m, a),
    'rai:dataUseCases': [
      'Training, validating and stress-testing brain-tumour segmentation models; each volume carries its requested and measured tumour features and QC outcome for stratified evaluation.',
      'Not for clinical use, diagnosis, or claims about patient populations.',
    ],
    'rai:dataCollection': 'No data was collected from people or scanners for this dataset: every volume was generated (see rai:syntheticDataExplanation).',
  };
  if (meta.tag && SEMVER.test(meta.tag)) d.version = meta.tag;
  if (meta.publishedAt) d.datePublished = meta.publishedAt;
  if (meta.license) d.license = meta.license;
  if (meta.url) d.url = meta.url;
  if (meta.teamSlug) d.creator = { '@type': 'sc:Organization', name: meta.teamSlug };
  return d;
}
