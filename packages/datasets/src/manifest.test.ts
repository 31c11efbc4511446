import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LocalStorage } from '@slicewise/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical.ts';
import { ManifestError, buildManifest, manifestBytes, manifestHash, parseManifest, type ManifestInput } from './manifest.ts';
import { FixtureRng, writeFakeVersion } from './testing/fixture.ts';

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
