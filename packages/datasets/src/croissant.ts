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
import { type JsonValue, type Manifest, MANIFEST_SCHEMA_V2, manifestAdherence, manifestBytes } from './manifest.ts';
import { type CroissantMetadata, dataBiases, dataLimitations, modelKey, syntheticDataExplanation } from './croissant-rai.ts';

export type { CroissantMetadata, CroissantModelCard } from './croissant-rai.ts';

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


/** A sibling document of the export (datalist.json, ...) listed with its sha256. */
export interface SiblingDocument {
  path: string;
  sha256: string;
  bytes: number;
  description: string;
}

const SEMVER = /^\d+\.\d+\.\d+$/;

const ref = (id: string): JsonValue => ({ '@id': id });
/** A field of RecordSet `recordSet` read from manifest.json by JSONPath. */
const manifestField = (recordSet: string, id: string, name: string, dataType: JsonValue, jsonPath: string, description: string, extra: Record<string, JsonValue> = {}): Record<string, JsonValue> => ({
  '@type': 'cr:Field',
  '@id': `${recordSet}/${id}`,
  name,
  description,
  dataType,
  source: { fileObject: ref('manifest.json'), extract: { jsonPath } },
  ...extra,
});
const jsonField = (id: string, name: string, dataType: JsonValue, jsonPath: string, description: string, extra: Record<string, JsonValue> = {}) =>
  manifestField('volumes', id, name, dataType, jsonPath, description, extra);
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
    const af = (id: string, dataType: string, jsonPath: string, description: string) => manifestField('adherence', id, id, dataType, jsonPath, description);
    const bf = (id: string, dataType: string, jsonPath: string, description: string) => manifestField('adherence_bins', id, id, dataType, jsonPath, description);
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
