import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseVolumeProvenance } from '@slicewise/provenance';
import { LocalStorage } from '@slicewise/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adherenceSummary, computeAdherence } from './adherence.ts';
import { canonicalJson, sha256Hex } from './canonical.ts';
import {
  MANIFEST_SCHEMA_V1,
  MANIFEST_SCHEMA_V2,
  ManifestError,
  adherenceInputOf,
  buildManifest,
  manifestAdherence,
  manifestBytes,
  manifestHash,
  manifestQcWaiver,
  manifestVolumeQc,
  parseManifest,
  type ManifestInput,
  type ManifestV2,
} from './manifest.ts';
import { MemoryStorage } from './testing/memory-storage.ts';
import { FixtureRng, qcFixture, writeFakeVersion } from './testing/fixture.ts';

/**
 * A /1 manifest exactly as the code before /2 wrote it (commit b9dc4a8, writeFakeVersion seed 11, 3 volumes, 4^3
 * grid; volume 0 with a /1 provenance record, volume 2 QC-failed on 3 tries). Stored versions never change:
 * these bytes must keep parsing, hashing and exporting.
 */
const V1_FIXTURE = fileURLToPath(new URL('./testing/fixtures/manifest-v1.json', import.meta.url));
const V1_HASH = '715017d4524a981627e1e7445f5ad2d1bed6c96b8ed462371d4b0b67e9bb9024';

let dir: string;
let input: ManifestInput;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'datasets-manifest-'));
  input = await writeFakeVersion(new LocalStorage(dir), { volumes: 12, cohorts: 3, seed: 7 });
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const rng = new FixtureRng(seed);
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Rebuild an object with its keys in reverse order (same content, different insertion order). */
function reverseKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reverseKeys);
  if (v && typeof v === 'object' && !(v instanceof Date)) return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverseKeys(x)]));
  return v;
}

describe('canonicalJson', () => {
  it('sorts keys at every depth, no whitespace, refuses non-finite numbers and bigint', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 'x' }], e: undefined })).toBe('{"a":[{"c":"x","d":2}],"b":1}');
    expect(canonicalJson(new Date('2026-01-01T00:00:00Z'))).toBe('"2026-01-01T00:00:00.000Z"');
    expect(() => canonicalJson({ x: NaN })).toThrow(/\$\.x: number NaN is not finite/);
    expect(() => canonicalJson({ x: 1n })).toThrow(/bigint/);
    expect(() => canonicalJson([undefined])).toThrow(/undefined array element/);
  });
});

describe('buildManifest', () => {
  it('names files <cohortShort>-sub-NNNN_{image,mask}.nii.gz, sorts volumes by (cohort, subject), totals', () => {
    const m = buildManifest(input);
    expect(m.volumes).toHaveLength(12);
    expect(m.files).toHaveLength(24);
    const c0 = m.cohorts[0]!;
    expect(c0.short).toBe(c0.id.replace(/-/g, '').slice(0, 8));
    const v = m.volumes.find((x) => x.cohortId === c0.id && x.subjectIndex === 2)!;
    expect(v.image).toBe(`images/${c0.short}-sub-0002_image.nii.gz`);
    expect(v.mask).toBe(`masks/${c0.short}-sub-0002_mask.nii.gz`);
    const order = m.volumes.map((x) => `${x.cohortId}:${String(x.subjectIndex).padStart(4, '0')}`);
    expect(order).toEqual([...order].sort());
    expect(m.files.map((f) => f.path)).toEqual(m.files.map((f) => f.path).sort());
    expect(m.totals.bytes).toBe(input.volumes.reduce((s, x) => s + Number(x.imageBytes) + Number(x.maskBytes), 0));
    // review state and reviewer recorded
    expect(m.volumes.filter((x) => x.review.state === 'ACCEPTED').length).toBeGreaterThan(0);
    expect(parseManifest(JSON.parse(manifestBytes(m).toString()))).toBeTruthy();
  });

  it('publishing identical content twice gives the same hash; input order and key order do not matter', () => {
    const h = manifestHash(buildManifest(input));
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(manifestHash(buildManifest(input))).toBe(h);
    const reordered: ManifestInput = {
      projectId: input.projectId,
      cohorts: shuffled(input.cohorts, 3).map((c) => reverseKeys(c) as typeof c),
      volumes: shuffled(input.volumes, 5).map((v) => ({ ...(reverseKeys(v) as typeof v), imageBytes: Number(v.imageBytes), seed: undefined })),
    };
    expect(manifestHash(buildManifest(reordered))).toBe(h);
  });

  it('any change of content changes the hash', () => {
    const h = manifestHash(buildManifest(input));
    const variants: [string, (i: ManifestInput) => ManifestInput][] = [
      ['one image sha256', (i) => ({ ...i, volumes: i.volumes.map((v, k) => (k === 3 ? { ...v, imageSha256: 'f'.repeat(64) } : v)) })],
      ['one mask size', (i) => ({ ...i, volumes: i.volumes.map((v, k) => (k === 3 ? { ...v, maskBytes: Number(v.maskBytes) + 1 } : v)) })],
      ['one review state', (i) => ({ ...i, volumes: i.volumes.map((v, k) => (k === 0 ? { ...v, reviewState: 'REJECTED' } : v)) })],
      ['one measured feature', (i) => ({ ...i, volumes: i.volumes.map((v, k) => (k === 5 ? { ...v, measuredCondition: { ...(v.measuredCondition as object), vector: [0, 0, 0, 0, 0, 0, 0, 0, 1e-9] } } : v)) })],
      ['a volume dropped', (i) => ({ ...i, volumes: i.volumes.slice(1) })],
      ['model version', (i) => ({ ...i, cohorts: i.cohorts.map((c) => ({ ...c, model: { ...c.model, version: '1.0.1' } })) })],
      ['distribution spec hash', (i) => ({ ...i, cohorts: i.cohorts.map((c, k) => (k === 1 ? { ...c, distributionVersion: { ...c.distributionVersion, specHash: 'd'.repeat(64) } } : c)) })],
    ];
    const seen = new Set([h]);
    for (const [name, change] of variants) {
      const h2 = manifestHash(buildManifest(change(input)));
      expect(h2, name).not.toBe(h);
      seen.add(h2);
    }
    expect(seen.size).toBe(variants.length + 1);
  });

  it('refuses incomplete volumes, duplicates, unknown cohorts and unsafe keys, naming the volume and field', () => {
    const v0 = input.volumes[0]!;
    expect(() => buildManifest({ ...input, volumes: [{ ...v0, maskSha256: null }] })).toThrow(new RegExp(`volume ${v0.id}.*maskSha256 must be 64 lowercase hex`));
    expect(() => buildManifest({ ...input, volumes: [{ ...v0, imageBytes: -1 }] })).toThrow(/imageBytes must be a non-negative integer/);
    expect(() => buildManifest({ ...input, volumes: [v0, v0] })).toThrow(/listed twice/);
    expect(() => buildManifest({ ...input, volumes: [{ ...v0, cohortId: 'nope' }] })).toThrow(/cohort nope, which is not in cohorts/);
    expect(() => buildManifest({ ...input, volumes: [{ ...v0, imageKey: '../etc/passwd' }] })).toThrow(ManifestError);
    expect(() => buildManifest({ ...input, volumes: [] })).toThrow(/at least one volume/);
  });

  it('extends the cohort prefix when two cohort ids share their first 8 hex digits', () => {
    const c = input.cohorts[0]!;
    const twin = { ...c, id: `${c.id.slice(0, 9)}ffff${c.id.slice(13)}` };
    const v = input.volumes.find((x) => x.cohortId === c.id)!;
    const m = buildManifest({ ...input, cohorts: [c, twin], volumes: [v, { ...v, id: 'other', cohortId: twin.id }] });
    expect(m.cohorts[0]!.short).not.toBe(m.cohorts[1]!.short);
    expect(m.cohorts[0]!.short.length).toBeGreaterThan(8);
  });

  it('parseManifest refuses traversal paths and bad hashes', () => {
    const m = JSON.parse(manifestBytes(buildManifest(input)).toString());
    m.files[0].path = 'images/../../x';
    expect(() => parseManifest(m)).toThrow(/manifest\.files\[0\]\.path/);
    const m2 = JSON.parse(manifestBytes(buildManifest(input)).toString());
    m2.files[1].sha256 = 'XYZ';
    expect(() => parseManifest(m2)).toThrow(/sha256 must be 64 lowercase hex/);
  });
});

describe('manifest /2: quality control and adherence', () => {
  const statuses = (i: number, measured: number[]) => (i % 4 === 1 ? qcFixture('passed', 2, measured) : i % 4 === 2 ? qcFixture('not-run', 1, measured) : i % 4 === 3 ? qcFixture('failed', 3, measured) : undefined);

  it('per volume a qc block from provenance; at the top qcWaiver and the adherence of the volumes', async () => {
    const m = buildManifest(input);
    expect(m.schema).toBe(MANIFEST_SCHEMA_V2);
    expect(m.qcWaiver).toBeNull();
    for (const v of m.volumes) expect(v.qc).toEqual({ status: 'passed', tries: 1, reasons: [] });
    expect(m.adherence).toEqual(adherenceSummary(computeAdherence(adherenceInputOf(m.volumes))));
    expect('scatter' in m.adherence).toBe(false);
    expect(m.adherence.counts.volumes).toBe(12);
    expect(m.adherence.qc).toMatchObject({ checked: 12, passed: 12, passRate: 1, regenerations: 0 });

    const mixed = await writeFakeVersion(new MemoryStorage(), { shapeDhw: [4, 4, 4], volumes: 8, cohorts: 1, seed: 4, qc: statuses });
    const w = buildManifest({ ...mixed, qcWaiver: { reason: '  hard cases wanted for a robustness study ', by: { id: 'u1', email: 'ada@example.org' } } });
    const byIndex = (i: number) => w.volumes.find((v) => v.id === mixed.volumes[i]!.id)!;
    expect(byIndex(1).qc).toEqual({ status: 'passed', tries: 2, reasons: [] });
    expect(byIndex(2).qc).toEqual({ status: 'not-run', tries: 1, reasons: ['quality control turned off by the cohort request'] });
    expect(byIndex(3).qc).toEqual({ status: 'failed', tries: 3, reasons: ['voxel_volume: measured 0.9, requested 0.3, error 0.6 > tolerance 0.2'] });
    expect(w.qcWaiver).toEqual({ reason: 'hard cases wanted for a robustness study', by: { email: 'ada@example.org', id: 'u1' }, qcFailedVolumes: [mixed.volumes[3]!.id, mixed.volumes[7]!.id].sort() });
    // 8 volumes: 2 passed first try, 2 passed on try 2, 2 not run, 2 failed on 3 tries
    expect(w.adherence.qc).toEqual({ checked: 6, passed: 4, failed: 2, notRun: 2, passRate: 0.666667, regenerations: 2 + 4, tries: 14 });
    expect(parseManifest(JSON.parse(manifestBytes(w).toString()))).toEqual(w);
    // the waiver is content: another reason is another version
    const w2 = buildManifest({ ...mixed, qcWaiver: { reason: 'another reason', by: 'u1' } });
    expect(manifestHash(w2)).not.toBe(manifestHash(w));
  });

  it('QC-failed volumes need a waiver (naming them); a waiver without them, or without a reason or author, is refused', async () => {
    const mixed = await writeFakeVersion(new MemoryStorage(), { shapeDhw: [4, 4, 4], volumes: 8, cohorts: 1, seed: 4, qc: statuses });
    const failedId = mixed.volumes[3]!.id;
    const err = (() => {
      try {
        buildManifest(mixed);
      } catch (e) {
        return e as ManifestError;
      }
      throw new Error('expected a ManifestError');
    })();
    expect(err).toBeInstanceOf(ManifestError);
    expect(err.code).toBe('QC_WAIVER_REQUIRED');
    expect(err.message).toMatch(new RegExp(`2 volume\\(s\\) failed quality control: ${failedId} \\(cohort .*, subject 3: voxel_volume: measured 0.9`));
    expect(() => buildManifest({ ...input, qcWaiver: { reason: 'x', by: 'u1' } })).toThrow(expect.objectContaining({ code: 'QC_WAIVER_UNUSED' }));
    expect(() => buildManifest({ ...mixed, qcWaiver: { reason: '   ', by: 'u1' } })).toThrow(/qcWaiver.reason must be 1-2000 characters/);
    expect(() => buildManifest({ ...mixed, qcWaiver: { reason: 'r', by: null } })).toThrow(/qcWaiver.by must name who waived/);
  });

  it('parseManifest checks the /2 fields: qc blocks, a waiver that lists exactly the failed volumes, the adherence report', async () => {
    const mixed = await writeFakeVersion(new MemoryStorage(), { shapeDhw: [4, 4, 4], volumes: 8, cohorts: 1, seed: 4, qc: statuses });
    const text = manifestBytes(buildManifest({ ...mixed, qcWaiver: { reason: 'r', by: 'u1' } })).toString();
    const edit = (f: (m: ManifestV2) => void) => {
      const m = JSON.parse(text) as ManifestV2;
      f(m);
      return () => parseManifest(m);
    };
    expect(edit((m) => (m.volumes[0]!.qc.status = 'ok' as never))).toThrow(/volumes\[0\] \(.*\)\.qc\.status must be one of passed, failed, not-run/);
    expect(edit((m) => delete (m.volumes[1] as Partial<ManifestV2['volumes'][number]>).qc)).toThrow(/volumes\[1\].*qc must be \{ status, tries, reasons \}/);
    expect(edit((m) => (m.qcWaiver = null))).toThrow(/qcWaiver is null but 2 volume\(s\) failed quality control/);
    expect(edit((m) => m.qcWaiver!.qcFailedVolumes.pop())).toThrow(/qcFailedVolumes must list exactly the QC-failed volumes \(not listed: /);
    expect(edit((m) => delete (m as Partial<ManifestV2>).adherence)).toThrow(/manifest.adherence must be an adherence summary/);
    expect(edit((m) => (m.schema = 'slicewise-dataset-manifest/3' as never))).toThrow(expect.objectContaining({ code: 'INVALID_MANIFEST' }));
  });
});

describe('manifest /1 (stored versions are immutable)', () => {
  it('parses, keeps its exact bytes and hash, and reads QC and adherence from the provenance records', async () => {
    const bytes = await fs.readFile(V1_FIXTURE);
    expect(sha256Hex(bytes)).toBe(V1_HASH);
    const m = parseManifest(JSON.parse(bytes.toString('utf8')));
    expect(m.schema).toBe(MANIFEST_SCHEMA_V1);
    expect(manifestBytes(m).equals(bytes)).toBe(true);
    expect(manifestHash(m)).toBe(V1_HASH);
    for (const v of m.volumes) expect(() => parseVolumeProvenance(v.provenance)).not.toThrow();
    expect(m.volumes.map((v) => v.provenance.schema)).toEqual(['slicewise-volume-provenance/1', 'slicewise-volume-provenance/2', 'slicewise-volume-provenance/2']);
    expect(m.volumes.map((v) => manifestVolumeQc(v))).toEqual([
      { status: 'not-run', tries: 1, reasons: ['generated before quality control existed (provenance schema /1)'] },
      { status: 'passed', tries: 1, reasons: [] },
      { status: 'failed', tries: 3, reasons: ['voxel_volume: measured 0.9, requested 0.3, error 0.6 > tolerance 0.2'] },
    ]);
    expect(manifestQcWaiver(m)).toBeNull();
    const a = manifestAdherence(m);
    expect(a.counts).toMatchObject({ volumes: 3, measured: 3 });
    expect(a.qc).toMatchObject({ checked: 2, passed: 1, failed: 1, notRun: 1, passRate: 0.5, regenerations: 2 });
    // nothing in reading it mutated the parsed object
    expect(manifestHash(m)).toBe(V1_HASH);
  });
});
