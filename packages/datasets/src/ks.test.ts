import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kolmogorovSf, ksTwoSample, sharedHistogram } from './ks.ts';
import { FixtureRng } from './testing/fixture.ts';

const PY = '/usr/bin/python3';
const hasScipy = (() => {
  try {
    return fs.existsSync(PY) && execFileSync(PY, ['-c', 'import scipy.stats; print(1)'], { encoding: 'utf8' }).trim() === '1';
  } catch {
    return false;
  }
})();

function scipy(script: string, input: unknown): unknown {
  return JSON.parse(execFileSync(PY, ['-c', script], { input: JSON.stringify(input), encoding: 'utf8' }));
}

describe('two-sample Kolmogorov-Smirnov', () => {
  it('hand-computed cases: disjoint samples give D = 1, identical give D = 0, ties handled', () => {
    expect(ksTwoSample([1, 2, 3], [4, 5, 6]).statistic).toBe(1);
    expect(ksTwoSample([1, 2, 3], [1, 2, 3]).statistic).toBe(0);
    expect(ksTwoSample([1, 2, 3], [1, 2, 3]).pValue).toBe(1);
    // F_a steps 1/4 at 1,2,3,4; F_b steps 1/2 at 2,5: after 2: |2/4 - 1/2| = 0; after 4: |1 - 1/2| = 1/2.
    expect(ksTwoSample([1, 2, 3, 4], [2, 5]).statistic).toBeCloseTo(0.5, 15);
    // ties across samples: at x=1 both jump together.
    expect(ksTwoSample([1, 1, 2], [1, 3, 3]).statistic).toBeCloseTo(2 / 3, 15);
    expect(() => ksTwoSample([], [1])).toThrow(/at least one value/);
    expect(() => ksTwoSample([NaN], [1])).toThrow(/sample a\[0\] = NaN is not finite/);
  });

  it('Kolmogorov survival function: known values (Q_KS(1.36) ~ 0.0494, Q_KS(1.63) ~ 0.0098) and both series agree at the switch', () => {
    expect(kolmogorovSf(1.3581)).toBeCloseTo(0.05, 4);
    expect(kolmogorovSf(1.6276)).toBeCloseTo(0.01, 4);
    expect(kolmogorovSf(0)).toBe(1);
    expect(kolmogorovSf(0.2)).toBeCloseTo(1 - 5.05e-13, 14); // 1 - sqrt(2 pi)/0.2 exp(-pi^2/0.32)
    // continuity across the switch between the two series at 1.18
    expect(Math.abs(kolmogorovSf(1.18 - 1e-12) - kolmogorovSf(1.18))).toBeLessThan(1e-10);
  });

  it.skipIf(!hasScipy)('matches scipy: statistic = ks_2samp D, p = kstwobign.sf(sqrt(n_e) D)', () => {
    const rng = new FixtureRng(11);
    const cases: [number[], number[]][] = [];
    for (const [n, m, shift] of [[50, 60, 0], [200, 150, 0.1], [30, 300, 0.3], [500, 500, 0.02], [10, 12, 0.5]] as const) {
      const a = Array.from({ length: n }, () => rng.next() + rng.next());
      const b = Array.from({ length: m }, () => rng.next() + rng.next() + shift);
      // some exact ties across samples
      b[0] = a[0]!;
      cases.push([a, b]);
    }
    const ref = scipy(
      `import json,sys,math
from scipy import stats
out=[]
for a,b in json.load(sys.stdin):
    r=stats.ks_2samp(a,b,method='asymp')
    en=len(a)*len(b)/(len(a)+len(b))
    out.append([float(r.statistic), float(stats.kstwobign.sf(math.sqrt(en)*r.statistic))])
print(json.dumps(out))`,
      cases,
    ) as [number, number][];
    cases.forEach(([a, b], i) => {
      const r = ksTwoSample(a, b);
      expect(r.statistic).toBeCloseTo(ref[i]![0], 12);
      expect(Math.abs(r.pValue - ref[i]![1])).toBeLessThan(1e-9);
    });
    // and the Kolmogorov sf over a grid
    const grid = Array.from({ length: 60 }, (_, k) => 0.05 + k * 0.05);
    const sf = scipy(`import json,sys\nfrom scipy import stats\nprint(json.dumps([float(stats.kstwobign.sf(x)) for x in json.load(sys.stdin)]))`, grid) as number[];
    grid.forEach((x, k) => expect(Math.abs(kolmogorovSf(x) - sf[k]!)).toBeLessThan(1e-12));
  });
});

describe('sharedHistogram', () => {
  it('uses shared edges over both samples and counts every value once (max in the last bin)', () => {
    const h = sharedHistogram([0, 0.5, 1], [0.25, 2], 4);
    expect(h.edges).toEqual([0, 0.5, 1, 1.5, 2]);
    expect(h.a).toEqual([1, 1, 1, 0]);
    expect(h.b).toEqual([1, 0, 0, 1]);
    expect(sharedHistogram([3, 3], [3], 2).a.reduce((s, x) => s + x, 0)).toBe(2);
  });
});
