import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type AdherenceVolume, type QcStatus, computeAdherence, spearmanRho } from './adherence.ts';
import { FixtureRng } from './testing/fixture.ts';

const PY = '/usr/bin/python3';
const hasScipy = (() => {
  try {
    return fs.existsSync(PY) && execFileSync(PY, ['-c', 'import numpy, scipy.stats; print(1)'], { encoding: 'utf8' }).trim() === '1';
  } catch {
    return false;
  }
})();

/** requested/measured 9-vectors with the given voxel_volume and centroid, the other features fixed. */
const vec = (vol: number, x = 0.5, y = 0.5, z = 0.5, rest = 0.3) => [vol, rest, 0.8, x, y, z, rest, rest, rest];

function cohort(n: number, seed: number, opts: { statuses?: QcStatus[]; ids?: boolean } = {}): AdherenceVolume[] {
  const rng = new FixtureRng(seed);
  const statuses = opts.statuses ?? ['passed', 'passed', 'passed', 'failed', 'not-run'];
  return Array.from({ length: n }, (_, i) => {
    const requested = Array.from({ length: 9 }, () => 0.02 + rng.next() * 0.9);
    // generated volumes about 1.3x too large with noise; centroids off by up to +-0.05
    const measured = requested.map((r, k) => (k === 0 ? r * (1.3 + (rng.next() - 0.5) * 0.6) : r + (rng.next() - 0.5) * 0.1));
    return { id: opts.ids === false ? null : `vol-${seed}-${i}`, requested, measured, qcStatus: statuses[i % statuses.length]!, tries: 1 + (i % 3) };
  });
}

describe('computeAdherence', () => {
  it('hand-computed case: bias, median/p90 of |error|, volume ratio, bins, centroid error, QC counts', () => {
    const vols: AdherenceVolume[] = [
      { id: 'a', requested: vec(0.05, 0.5, 0.5, 0.5), measured: vec(0.1, 0.53, 0.54, 0.5), qcStatus: 'passed', tries: 1 },
      { id: 'b', requested: vec(0.2), measured: vec(0.2), qcStatus: 'passed', tries: 2 },
      { id: 'c', requested: vec(0.4), measured: vec(0.2), qcStatus: 'failed', tries: 3 },
      { id: 'd', requested: vec(0.3), measured: vec(0, 0, 0, 0, 0), qcStatus: 'failed', tries: 3 }, // empty mask
      { id: 'e', requested: vec(0.6), measured: null, qcStatus: 'not-run', tries: 1 }, // not measured
    ];
    const a = computeAdherence(vols);
    expect(a.counts).toEqual({ volumes: 5, measured: 4, emptyMask: 1, byQcStatus: { passed: 2, failed: 2, notRun: 1 } });
    // not-run is excluded from the pass rate: 2 / 4; regenerations = 0 + 1 + 2 + 2 + 0
    expect(a.qc).toEqual({ checked: 4, passed: 2, failed: 2, notRun: 1, passRate: 0.5, regenerations: 5, tries: 10 });
    // voxel_volume errors over the 3 volumes with a tumour: +0.05, 0, -0.2
    const vv = a.features.find((f) => f.feature === 'voxel_volume')!;
    expect(vv.n).toBe(3);
    expect(vv.bias).toBeCloseTo(-0.05, 12);
    expect(vv.medianAbsError).toBeCloseTo(0.05, 12);
    expect(vv.p90AbsError).toBeCloseTo(0.05 + 0.8 * (0.2 - 0.05), 12); // linear between ranks: pos 1.8
    expect(a.features.find((f) => f.feature === 'x')!.bias).toBeCloseTo(0.01, 12); // (0.03 + 0 + 0) / 3
    // ratios (empty mask included as 0): 2, 1, 0.5, 0
    expect(a.tumourVolume.n).toBe(4);
    expect(a.tumourVolume.meanRatio).toBeCloseTo(0.875, 12);
    expect(a.tumourVolume.medianRatio).toBeCloseTo(0.75, 12);
    expect(a.tumourVolume.medianAbsRelError).toBeCloseTo(0.75, 12); // |r-1| = 1, 0, 0.5, 1
    expect(a.tumourVolume.p90AbsRelError).toBeCloseTo(1, 12);
    const bin = (b: string) => a.tumourVolume.bins.find((x) => x.bin === b)!;
    expect(bin('small')).toMatchObject({ n: 1, meanRatio: 2, requestedRange: [0, 0.1] });
    expect(bin('medium')).toMatchObject({ n: 1, meanRatio: 1 });
    expect(bin('large')).toMatchObject({ n: 2, meanRatio: 0.25 }); // 0.4 -> 0.5 and 0.3 -> 0 (empty)
    expect(bin('very_large')).toEqual({ bin: 'very_large', requestedRange: [0.45, null], n: 0, meanRatio: null, medianRatio: null, medianAbsRelError: null, p90AbsRelError: null });
    // centroid error over the volumes with a tumour: 100 * |(0.03, 0.04, 0)| = 5, then 0, 0
    expect(a.centroidError.n).toBe(3);
    expect(a.centroidError.medianPctFov).toBe(0);
    expect(a.centroidError.meanPctFov).toBeCloseTo(5 / 3, 6);
    // every measured volume is a scatter point, ordered by requested volume
    expect(a.scatter.points.map((p) => p.volumeId)).toEqual(['a', 'b', 'd', 'c']);
    expect(a.scatter.points[0]).toEqual({ volumeId: 'a', requested: [0.05, 0.5, 0.5, 0.5], measured: [0.1, 0.53, 0.54, 0.5] });
    expect(JSON.parse(JSON.stringify(a))).toEqual(a); // JSON-friendly: no undefined, NaN or Infinity
  });

  it('no volumes, or none measured: counts are 0 and every statistic is null', () => {
    const a = computeAdherence([]);
    expect(a.qc.passRate).toBeNull();
    expect(a.features.every((f) => f.n === 0 && f.bias === null && f.p90AbsError === null)).toBe(true);
    expect(a.tumourVolume.meanRatio).toBeNull();
    expect(a.tumourVolume.spearmanRho).toBeNull();
    expect(a.scatter.points).toEqual([]);
    const b = computeAdherence([{ requested: vec(0.2), measured: null, qcStatus: 'not-run', tries: 1 }]);
    expect(b.qc).toMatchObject({ checked: 0, notRun: 1, passRate: null, regenerations: 0 });
    expect(b.counts.measured).toBe(0);
  });

  it('does not depend on the order the volumes arrive in', () => {
    const vols = cohort(300, 5);
    const rng = new FixtureRng(9);
    const shuffled = [...vols];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    expect(JSON.stringify(computeAdherence(shuffled))).toBe(JSON.stringify(computeAdherence(vols)));
  });

  it('thins the scatter deterministically: capped, the worst outliers kept, the same points for any input order', () => {
    const vols = cohort(5000, 21);
    // one far outlier: a tumour generated 5x too large, in the wrong half
    vols[4321] = { ...vols[4321]!, measured: vec(0.9, 0.1, 0.9, 0.5), requested: vec(0.18, 0.8, 0.2, 0.5) };
    const a = computeAdherence(vols, { scatterCap: 500 });
    expect(a.scatter).toMatchObject({ cap: 500, total: 5000, shown: 500, outliersKept: 50 });
    const ids = a.scatter.points.map((p) => p.volumeId);
    expect(ids).toContain(vols[4321]!.id);
    expect(new Set(ids).size).toBe(500);
    expect(computeAdherence([...vols].reverse(), { scatterCap: 500 }).scatter).toEqual(a.scatter);
    // requested volume is non-decreasing along the points
    const req = a.scatter.points.map((p) => p.requested[0]!);
    expect(req).toEqual([...req].sort((x, y) => x - y));
    // bottom-k: growing the cohort keeps most of the previously shown (non-outlier) points
    const grown = computeAdherence([...vols, ...cohort(500, 22)], { scatterCap: 500 });
    const before = new Set(ids);
    const kept = grown.scatter.points.filter((p) => before.has(p.volumeId)).length;
    expect(kept).toBeGreaterThan(350);
    // volumes without ids: an even stride, still capped and deterministic
    const anon = cohort(3000, 23, { ids: false });
    const s = computeAdherence(anon, { scatterCap: 100 }).scatter;
    expect(s.shown).toBe(100);
    expect(computeAdherence(anon, { scatterCap: 100 }).scatter).toEqual(s);
  });

  it('refuses bad input, naming the volume, the field and the value', () => {
    const ok: AdherenceVolume = { id: 'v1', requested: vec(0.2), measured: vec(0.2), qcStatus: 'passed', tries: 1 };
    expect(() => computeAdherence([ok, { ...ok, id: 'v2', requested: [0.1, 0.2] }])).toThrow(/volumes\[1\] \(v2\)\.requested must be 9 finite numbers .*got \[0\.1,0\.2\]/);
    expect(() => computeAdherence([{ ...ok, measured: [...vec(0.2).slice(0, 8), NaN] }])).toThrow(/measured must be 9 finite numbers/);
    expect(() => computeAdherence([{ ...ok, qcStatus: 'maybe' as QcStatus }])).toThrow(/qcStatus must be one of passed, failed, not-run, got "maybe"/);
    expect(() => computeAdherence([{ ...ok, tries: 0 }])).toThrow(/tries must be a whole number >= 1 .*got 0/);
    expect(() => computeAdherence([ok], { scatterCap: 3 })).toThrow(/scatterCap must be a whole number >= 10/);
  });

  it('spearmanRho: average ranks for ties, null without variance', () => {
    expect(spearmanRho([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 15);
    expect(spearmanRho([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 15);
    expect(spearmanRho([1, 1, 1], [1, 2, 3])).toBeNull();
    expect(spearmanRho([1, 2], [1, 2])).toBeNull();
  });

  it.skipIf(!hasScipy)('matches numpy/scipy with the model card definitions (calibrate.py adherence_report)', () => {
    const vols = cohort(400, 31).map((v, i) => (i % 37 === 0 ? { ...v, measured: Array(9).fill(0) } : v)); // some empty masks
    const a = computeAdherence(vols);
    const ref = JSON.parse(
      execFileSync(
        PY,
        [
          '-c',
          `import json, sys
import numpy as np
from scipy.stats import spearmanr
vols = json.load(sys.stdin)
req = np.array([v["requested"] for v in vols]); meas = np.array([v["measured"] for v in vols])
present = meas[:, 0] > 0
ratio = meas[:, 0] / req[:, 0]; rel = np.abs(ratio - 1)
out = dict(meanRatio=ratio.mean(), medianRatio=np.median(ratio), med=np.median(rel), p90=np.percentile(rel, 90),
           rho=spearmanr(req[:, 0], meas[:, 0]).correlation, features=[])
for k in range(9):
    d = meas[present, k] - req[present, k]; e = np.abs(d)
    out["features"].append([d.mean(), np.median(e), np.percentile(e, 90)])
c = np.linalg.norm(meas[present, 3:6] - req[present, 3:6], axis=1) * 100
out["centroid"] = [c.mean(), np.median(c), np.percentile(c, 90)]
bins = []
for lo, hi in ((0, 0.1), (0.1, 0.25), (0.25, 0.45), (0.45, np.inf)):
    s = (req[:, 0] >= lo) & (req[:, 0] < hi)
    bins.append([int(s.sum()), ratio[s].mean(), np.median(rel[s]), np.percentile(rel[s], 90)])
out["bins"] = bins
print(json.dumps(out, default=float))`,
        ],
        { input: JSON.stringify(vols), encoding: 'utf8' },
      ),
    ) as { meanRatio: number; medianRatio: number; med: number; p90: number; rho: number; features: number[][]; centroid: number[]; bins: number[][] };
    const close = (x: number | null, y: number) => expect(Math.abs(x! - y)).toBeLessThanOrEqual(1e-6);
    close(a.tumourVolume.meanRatio, ref.meanRatio);
    close(a.tumourVolume.medianRatio, ref.medianRatio);
    close(a.tumourVolume.medianAbsRelError, ref.med);
    close(a.tumourVolume.p90AbsRelError, ref.p90);
    close(a.tumourVolume.spearmanRho, ref.rho);
    a.features.forEach((f, k) => {
      close(f.bias, ref.features[k]![0]!);
      close(f.medianAbsError, ref.features[k]![1]!);
      close(f.p90AbsError, ref.features[k]![2]!);
    });
    close(a.centroidError.meanPctFov, ref.centroid[0]!);
    close(a.centroidError.medianPctFov, ref.centroid[1]!);
    close(a.centroidError.p90PctFov, ref.centroid[2]!);
    a.tumourVolume.bins.forEach((b, k) => {
      expect(b.n).toBe(ref.bins[k]![0]);
      close(b.meanRatio, ref.bins[k]![1]!);
      close(b.medianAbsRelError, ref.bins[k]![2]!);
      close(b.p90AbsRelError, ref.bins[k]![3]!);
    });
    expect(a.counts.emptyMask).toBe(vols.filter((v) => v.measured![0] === 0).length);
  });
});
