import fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import jsonld from 'jsonld';
import { beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from './canonical.ts';
import { CROISSANT_CONTEXT } from './croissant.ts';
import { buildDocuments, documentFiles, type VersionMetadata } from './documents.ts';
import { buildManifest, type Manifest, manifestHash, parseManifest } from './manifest.ts';
import { qcFixture, writeFakeVersion } from './testing/fixture.ts';
import { MemoryStorage } from './testing/memory-storage.ts';

const VOCAB_FILE = fileURLToPath(new URL('./testing/croissant-vocabulary.json', import.meta.url));
const V1_FIXTURE = fileURLToPath(new URL('./testing/fixtures/manifest-v1.json', import.meta.url));

interface Vocabulary {
  namespaces: Record<string, string[]>;
  appendix1Context: { context: Record<string, unknown> };
  terms: Record<string, [string, string]>;
}
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

let vocab: Vocabulary;
let m2: Manifest; // /2 with a waiver
let m1: Manifest; // the frozen /1 fixture
const meta: VersionMetadata = {
  datasetName: 'glioma-train',
  teamSlug: 'lab',
  tag: '1.2.0',
  slicewiseVersion: '0.1.0',
  publishedAt: '2026-02-01T00:00:00.000Z',
  license: 'https://spdx.org/licenses/CC-BY-4.0.html',
  url: 'https://slicewise.example/datasets/brain/glioma-train@1.2.0/manifest.json',
  models: [{ name: 'sbldm-brats', version: '1.0.0', purpose: 'demo', trainingData: 'phantoms from 2 real T1 brains' }],
};

beforeAll(async () => {
  vocab = JSON.parse(await fs.readFile(VOCAB_FILE, 'utf8')) as Vocabulary;
  const input = await writeFakeVersion(new MemoryStorage(), {
    shapeDhw: [4, 4, 4],
    volumes: 9,
    cohorts: 2,
    seed: 12,
    qc: (i, measured) => (i === 4 ? qcFixture('failed', 3, measured) : i === 5 ? qcFixture('not-run', 1, measured) : i === 6 ? qcFixture('passed', 2, measured) : undefined),
  });
  m2 = buildManifest({ ...input, qcWaiver: { reason: 'hard cases for a robustness benchmark', by: { id: 'u-7', name: 'Ada Lovelace' } } });
  m1 = parseManifest(JSON.parse(await fs.readFile(V1_FIXTURE, 'utf8')));
});

/** croissant.json as a reader gets it: the archive's bytes, parsed. */
function readBack(m: Manifest, md: VersionMetadata = meta): { doc: Obj; files: { path: string; bytes: Buffer }[] } {
  const files = documentFiles(m, buildDocuments(m, md));
  return { doc: JSON.parse(files.find((f) => f.path === 'croissant.json')!.bytes.toString('utf8')) as Obj, files };
}

/** The compact name (prefix:local) of an expanded IRI by the longest matching namespace (rai: lies inside cr:). */
function compact(iri: string): string | null {
  let best: [string, string] | null = null;
  for (const [prefix, nss] of Object.entries(vocab.namespaces)) for (const ns of nss) if (iri.startsWith(ns) && iri.length > ns.length && (!best || ns.length > best[1].length)) best = [prefix, ns];
  return best ? `${best[0]}:${iri.slice(best[1].length)}` : null;
}

/** Every property, @type and dataType IRI of an expanded JSON-LD document, with where it was seen. */
function expandedTerms(expanded: unknown): Map<string, string> {
  const seen = new Map<string, string>();
  const walk = (v: unknown, at: string) => {
    if (Array.isArray(v)) return v.forEach((x, i) => walk(x, `${at}[${i}]`));
    if (!v || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (k === '@type') for (const t of [x].flat()) seen.set(t as string, `${at}.@type`);
      else if (!k.startsWith('@')) {
        seen.set(k, at);
        if (k === 'http://mlcommons.org/croissant/dataType') for (const d of [x].flat() as { '@id': string }[]) seen.set(d['@id'], `${at} dataType`);
      }
      walk(x, `${at}.${k}`);
    }
  };
  walk(expanded, '$');
  return seen;
}

/** Minimal JSONPath for the forms croissant.json uses: $ .key [*] [n]. */
function jsonPath(root: unknown, path: string): unknown[] {
  const steps = path.slice(1).match(/\.[A-Za-z_][A-Za-z0-9_]*|\[\*\]|\[\d+\]/g) ?? [];
  expect(steps.join(''), `unsupported JSONPath ${path}`).toBe(path.slice(1));
  let cur: unknown[] = [root];
  for (const s of steps) {
    if (s === '[*]') cur = cur.flatMap((x) => (Array.isArray(x) ? x : []));
    else if (s.startsWith('[')) cur = cur.map((x) => (Array.isArray(x) ? x[Number(s.slice(1, -1))] : undefined));
    else cur = cur.map((x) => (x && typeof x === 'object' ? (x as Record<string, unknown>)[s.slice(1)] : undefined));
  }
  return cur;
}

function nodes(doc: Obj): Obj[] {
  const out: Obj[] = [];
  const walk = (v: Json) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      if (typeof v['@id'] === 'string' && Object.keys(v).length > 1) out.push(v);
      Object.values(v).forEach(walk);
    }
  };
  walk(doc);
  return out;
}

describe('croissant.json (Croissant 1.1 + RAI)', () => {
  it('every key resolves through its @context and every term is in the 1.1 / RAI / PROV-O vocabulary', async () => {
    for (const [name, m] of [['/2', m2], ['/1', m1]] as const) {
      const { doc } = readBack(m);
      // safe mode: any key the context cannot resolve, relative reference or invalid value is an error
      const expanded = await jsonld.expand(doc, {
        safe: true,
        base: 'https://slicewise.example/datasets/brain/glioma-train@1.2.0/',
        documentLoader: async (url) => {
          throw new Error(`no network in tests: the context must be inline, tried ${url}`);
        },
      });
      expect(expanded.length, name).toBe(1);
      const terms = expandedTerms(expanded);
      const unknown = [...terms].filter(([iri]) => !(compact(iri) && vocab.terms[compact(iri)!])).map(([iri, at]) => `${iri} (at ${at})`);
      expect(unknown, `${name}: terms outside the vocabulary`).toEqual([]);
      // equivalentProperty values are compact IRIs (strings): they must be vocabulary terms too
      const eq = nodes(doc).flatMap((n) => (typeof n.equivalentProperty === 'string' ? [n.equivalentProperty] : []));
      expect(eq.length).toBeGreaterThan(0);
      for (const e of eq) expect(vocab.terms[e], e).toBeTruthy();
    }
  });

  it('the @context is the 1.1 Appendix 1 context (schema.org over https, as mlcroissant) plus the prov prefix', () => {
    const appendix = vocab.appendix1Context.context;
    const https = (v: unknown) => (typeof v === 'string' ? v.replace('http://schema.org/', 'https://schema.org/') : v);
    for (const [k, v] of Object.entries(appendix)) expect(CROISSANT_CONTEXT[k], k).toEqual(https(v));
    expect(Object.keys(CROISSANT_CONTEXT).filter((k) => !(k in appendix))).toEqual(['prov']);
    expect(CROISSANT_CONTEXT.prov).toBe('http://www.w3.org/ns/prov#');
  });

  it('conformsTo 1.1 and RAI 1.0; a FileObject with sha256 per file, manifest.json and the sibling documents', () => {
    const { doc, files } = readBack(m2);
    expect(doc['@type']).toBe('sc:Dataset');
    expect(doc.conformsTo).toEqual(['http://mlcommons.org/croissant/1.1', 'http://mlcommons.org/croissant/RAI/1.0']);
    expect(doc.identifier).toBe(`sha256:${manifestHash(m2)}`);
    expect(doc.version).toBe('1.2.0');
    expect(doc.creator).toEqual({ '@type': 'sc:Organization', name: 'lab' });
    const objects = (doc.distribution as Obj[]).filter((d) => d['@type'] === 'cr:FileObject');
    const sha = new Map(objects.map((o) => [o['@id'] as string, o.sha256 as string]));
    for (const f of m2.files) expect(sha.get(f.path), f.path).toBe(f.sha256);
    // manifest.json and the sibling documents: sha256 of the very bytes in the export
    for (const f of files.filter((x) => x.path !== 'croissant.json')) expect(sha.get(f.path), f.path).toBe(sha256Hex(f.bytes));
    expect(sha.get('manifest.json')).toBe(manifestHash(m2));
    expect(objects).toHaveLength(m2.files.length + 4);
    const sets = (doc.distribution as Obj[]).filter((d) => d['@type'] === 'cr:FileSet');
    expect(sets.map((s) => [s['@id'], s.includes])).toEqual([['images', 'images/*.nii.gz'], ['masks', 'masks/*.nii.gz']]);
    // a tag that is not MAJOR.MINOR.PATCH is not a Croissant version: the hash identifies the version
    expect(readBack(m2, { ...meta, tag: 'v3' }).doc.version).toBeUndefined();
  });

  it('masks are segmentation masks; every JSONPath yields one value per volume; references and sources point at defined fields', () => {
    const { doc } = readBack(m2);
    const all = nodes(doc);
    const byId = new Map(all.map((n) => [n['@id'] as string, n]));
    expect(byId.get('masks/content')!.dataType).toEqual(['cr:SegmentationMask', 'sc:ImageObject']);
    expect(byId.get('volumes/mask_content')!.dataType).toEqual(['cr:SegmentationMask', 'sc:ImageObject']);
    expect(byId.get('images/content')!.dataType).toBe('sc:ImageObject');
    const manifest = JSON.parse(documentFiles(m2, buildDocuments(m2, meta))[0]!.bytes.toString('utf8'));
    let paths = 0;
    for (const n of all) {
      const src = n.source as Obj | undefined;
      const path = (src?.extract as Obj | undefined)?.jsonPath as string | undefined;
      if (path) {
        paths++;
        const values = jsonPath(manifest, path);
        const expected = path.startsWith('$.volumes[*]') ? m2.volumes.length : path.startsWith('$.adherence.features[*]') ? 9 : 4;
        expect(values, path).toHaveLength(expected);
        expect(values.every((v) => v !== undefined), path).toBe(true);
      }
      for (const k of ['references', 'key'] as const) if (n[k]) expect(byId.has((n[k] as Obj)['@id'] as string), `${n['@id']}.${k}`).toBe(true);
      if (src && Object.keys(src).length === 1 && src['@id']) expect(byId.has(src['@id'] as string), `${n['@id']}.source`).toBe(true);
      const target = (src?.fileObject ?? src?.fileSet) as Obj | undefined;
      if (target) expect(byId.has(target['@id'] as string), `${n['@id']} source file`).toBe(true);
    }
    expect(paths).toBeGreaterThan(30);
  });

  it('provenance on the generated fields (field level) and per record (annotation with equivalentProperty prov:wasGeneratedBy)', () => {
    const { doc, files } = readBack(m2);
    const byId = new Map(nodes(doc).map((n) => [n['@id'] as string, n]));
    for (const id of ['images/content', 'masks/content', 'volumes/measured_voxel_volume', 'volumes/requested_x', 'volumes/qc_status']) {
      expect((byId.get(id)!['prov:wasGeneratedBy'] as Obj)['@type'], id).toBe('prov:Activity');
    }
    expect(byId.get('volumes/measured_x')!['prov:wasDerivedFrom']).toEqual({ '@id': 'volumes/mask_content' });
    const gen = byId.get('volumes/generation')!;
    expect(gen.equivalentProperty).toBe('prov:wasGeneratedBy');
    expect((gen.subField as Obj[]).map((f) => f.name)).toContain('volume_seed');
    // dataset level: one activity per cohort request, with prov.json's IRI for it
    const acts = doc['prov:wasGeneratedBy'] as Obj[];
    expect(acts).toHaveLength(m2.cohorts.length);
    const prov = JSON.parse(files.find((f) => f.path === 'prov.json')!.bytes.toString('utf8')) as { prefix: { sw: string }; activity: Record<string, unknown> };
    for (const a of acts) expect(prov.activity[(a['@id'] as string).replace(prov.prefix.sw, 'sw:')], a['@id'] as string).toBeTruthy();
  });

  it('RAI: synthetic data explained; dataLimitations carries the measured adherence, the QC outcome and the waiver', () => {
    const { doc } = readBack(m2);
    expect(doc['rai:hasSyntheticData']).toBe(true);
    const how = doc['rai:syntheticDataExplanation'] as string;
    for (const s of ['slice-based latent diffusion', 'sbldm-brats 1.0.0', 'declared purpose: demo', 'trained on: phantoms from 2 real T1 brains', 'ddim 4 steps', 'Condition calibration', 'Quality control', 'up to 3 tries', m2.cohorts[0]!.distributionVersion.specHash]) expect(how).toContain(s);
    const lim = (doc['rai:dataLimitations'] as string[]).join('\n');
    if (m2.schema !== 'slicewise-dataset-manifest/2') throw new Error('expected a /2 manifest');
    const a = m2.adherence;
    expect(lim).toContain(`generated / requested volume mean ratio ${Number(a.tumourVolume.meanRatio!.toFixed(3))}`);
    expect(lim).toContain(`p90 ${(a.tumourVolume.p90AbsRelError! * 100).toFixed(1)}%`);
    const bias = Number(a.features[0]!.bias!.toFixed(3));
    expect(lim).toContain(`voxel_volume bias ${bias > 0 ? '+' : ''}${bias}`);
    expect(lim).toContain(`${a.qc.passed} of ${a.qc.checked} checked volume(s) passed (pass rate ${(a.qc.passRate! * 100).toFixed(1)}%)`);
    expect(lim).toContain('1 volume(s) were not checked: quality control turned off by the cohort request (1)');
    expect(lim).toContain('QC waiver: 1 volume(s) that failed quality control are included on purpose, waived by Ada Lovelace: "hard cases for a robustness benchmark"');
    expect(lim).toContain("Model sbldm-brats 1.0.0 is declared 'demo'");
    for (const bin of ['small [0, 0.1)', 'medium [0.1, 0.25)', 'large [0.25, 0.45)', 'very_large [0.45, max)']) expect(lim).toContain(bin);
  });

  it('a /1 manifest exports too: QC from the provenance records, no qc fields or adherence RecordSets, no waiver on record', () => {
    const { doc } = readBack(m1);
    const ids = new Set(nodes(doc).map((n) => n['@id']));
    expect(ids.has('volumes/qc_status')).toBe(false);
    expect(ids.has('adherence')).toBe(false);
    const lim = (doc['rai:dataLimitations'] as string[]).join('\n');
    expect(lim).toContain('1 of 2 checked volume(s) passed (pass rate 50.0%)');
    expect(lim).toContain('published before QC waivers were recorded (manifest schema slicewise-dataset-manifest/1)');
    expect(lim).toContain('generated before quality control existed (provenance schema /1)');
  });
});
