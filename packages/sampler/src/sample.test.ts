import { describe, expect, it } from 'vitest';
import { DDIMScheduler } from './ddim.ts';
import { DDPMScheduler } from './ddpm.ts';
import { SamplerError, SamplingCancelled } from './errors.ts';
import { createRng } from './rng.ts';
import { DPMSolverPP2MScheduler } from './dpmpp2m.ts';
import { type DenoiseInput, denoiserCallPlan, guidanceActiveAt, sample } from './sample.ts';
import { UniPCScheduler } from './unipc.ts';
import { SBLDM_SCHEDULE } from './schedule.ts';
import { fakeDenoiser, maxAbsDiff } from './testing/fixtures.ts';

const shape = [2, 1, 2, 3, 4] as const; // [B, C, D, H, W]
const cond = Float32Array.from([0.5, -0.2, 0.1, 0.0, 0.9, -0.4]); // [B = 2, K = 3]
const nullCond = new Float32Array(3);

function ddim(eta = 0): DDIMScheduler {
  const s = new DDIMScheduler(SBLDM_SCHEDULE, { eta });
  s.setTimesteps(10);
  return s;
}

describe('sample()', () => {
  it('classifier-free guidance: one batched call of 2B rows, conditional rows first', async () => {
    const s = ddim();
    const inner = fakeDenoiser(s.alphasCumprod);
    const calls: DenoiseInput[] = [];
    await sample({
      scheduler: s,
      shape,
      rng: createRng(1),
      condition: cond,
      nullCondition: nullCond,
      guidanceScale: 3,
      denoise: (input) => {
        calls.push(input);
        return inner(input);
      },
    });
    expect(calls.length).toBe(10);
    const first = calls[0]!;
    expect(first.shape).toEqual([4, 1, 2, 3, 4]);
    expect(first.xt.length).toBe(2 * 48);
    expect([...first.xt.subarray(0, 48)]).toEqual([...first.xt.subarray(48)]);
    expect([...first.condition!]).toEqual([...cond, 0, 0, 0, 0, 0, 0]);
    expect(calls.map((c) => c.t)).toEqual([900, 800, 700, 600, 500, 400, 300, 200, 100, 0]);
  });

  it('guidance scale 1 equals the conditional model and 0 the null-conditioned model', async () => {
    const run = async (opts: { guidanceScale?: number; condition: Float32Array; nullCondition?: Float32Array }) => {
      const s = ddim(1);
      return sample({ scheduler: s, shape, rng: createRng(5), denoise: fakeDenoiser(s.alphasCumprod), ...opts });
    };
    const condOnly = await run({ condition: cond });
    const nullOnly = await run({ condition: Float32Array.from([...nullCond, ...nullCond]) });
    const s1 = await run({ condition: cond, nullCondition: nullCond, guidanceScale: 1 });
    const s0 = await run({ condition: cond, nullCondition: nullCond, guidanceScale: 0 });
    expect(maxAbsDiff(s1, condOnly)).toBeLessThan(1e-5);
    expect(maxAbsDiff(s0, nullOnly)).toBeLessThan(1e-5);
    expect(maxAbsDiff(s1, s0)).toBeGreaterThan(0.1);
  });

  it('per-subject streams: an item is the same alone or in a batch', async () => {
    const s = ddim(1);
    const den = fakeDenoiser(s.alphasCumprod);
    const root = createRng(77);
    const batch = await sample({ scheduler: s, shape, rng: [root.fork(3), root.fork(12)], denoise: den });
    const alone = await sample({ scheduler: ddim(1), shape: [1, 1, 2, 3, 4], rng: [createRng(77).fork(12)], denoise: den });
    expect([...batch.subarray(24)]).toEqual([...alone]);
  });

  it('samples the distribution the recursion predicts (exact eps for N(0, 0.5^2) data)', async () => {
    // With eps(x_t) = c_t x_t (c_t = sqrt(1 - ab_t) / (1 - ab_t + 0.25 ab_t), the exact E[eps | x_t] for
    // x0 ~ N(0, 0.25)), every step is x_prev = A_t x_t + sigma_t z, so Var(x_0) follows
    // V <- A_t^2 V + sigma_t^2 from V = 1. A_t and sigma_t written out from DDIM eq. 12/16 and DDPM eq. 7.
    // 50 strided steps lose variance (plug-in x0 mean), so the target is below 0.5:
    // DDIM eta 0 -> 0.4578, DDIM eta 1 = DDPM fixed_small -> 0.4263 (numbers from sampling.py).
    const cases = [
      { s: new DDIMScheduler(SBLDM_SCHEDULE, { eta: 0 }), want: 0.4578 },
      { s: new DDIMScheduler(SBLDM_SCHEDULE, { eta: 1 }), want: 0.4263 },
      { s: new DDPMScheduler(SBLDM_SCHEDULE), want: 0.4263 },
    ];
    for (const { s, want } of cases) {
      s.setTimesteps(50);
      const ab = s.alphasCumprod;
      let V = 1;
      for (const t of s.timesteps) {
        const aT = ab[t]!;
        const aP = t - 20 >= 0 ? ab[t - 20]! : 1;
        const c = Math.sqrt(1 - aT) / (1 - aT + 0.25 * aT);
        const x0PerX = (1 - Math.sqrt(1 - aT) * c) / Math.sqrt(aT);
        let A: number;
        let sig2: number;
        if (s instanceof DDIMScheduler) {
          sig2 = s.eta ** 2 * ((1 - aP) / (1 - aT)) * (1 - aT / aP);
          A = Math.sqrt(aP) * x0PerX + Math.sqrt(1 - aP - sig2) * c;
        } else {
          const beta = 1 - aT / aP;
          A = ((Math.sqrt(aP) * beta) / (1 - aT)) * x0PerX + (Math.sqrt(1 - beta) * (1 - aP)) / (1 - aT);
          sig2 = t > 0 ? ((1 - aP) / (1 - aT)) * beta : 0;
        }
        V = A * A * V + sig2;
      }
      expect(Math.sqrt(V)).toBeCloseTo(want, 3);
      const out = await sample({ scheduler: s, shape: [1, 1, 16, 16, 32], rng: createRng(10), denoise: fakeDenoiser(ab) });
      let v = 0;
      for (const q of out) v += q * q;
      // 8192 independent voxels: the std estimate has sd ~ 0.45 / sqrt(2 * 8192) = 0.0035
      expect(Math.abs(Math.sqrt(v / out.length) - Math.sqrt(V))).toBeLessThan(0.015);
    }
  });

  it('reports progress after every step', async () => {
    const s = ddim();
    const seen: [number, number, number][] = [];
    await sample({
      scheduler: s,
      shape,
      rng: createRng(0),
      denoise: fakeDenoiser(s.alphasCumprod),
      onStep: (p) => {
        seen.push([p.stepIndex, p.totalSteps, p.t]);
      },
    });
    expect(seen.length).toBe(10);
    expect(seen[0]).toEqual([0, 10, 900]);
    expect(seen[9]).toEqual([9, 10, 0]);
  });

  it('cancels with SamplingCancelled when the signal aborts, without further denoiser calls', async () => {
    const s = ddim();
    const ac = new AbortController();
    let calls = 0;
    const inner = fakeDenoiser(s.alphasCumprod);
    const p = sample({
      scheduler: s,
      shape,
      rng: createRng(0),
      signal: ac.signal,
      denoise: (input) => {
        calls++;
        return inner(input);
      },
      onStep: (q) => {
        if (q.stepIndex === 2) ac.abort(new Error('user cancelled'));
      },
    });
    await expect(p).rejects.toBeInstanceOf(SamplingCancelled);
    await expect(p).rejects.toMatchObject({ completedSteps: 3, totalSteps: 10 });
    expect(calls).toBe(3);
    const pre = new AbortController();
    pre.abort();
    await expect(
      sample({ scheduler: ddim(), shape, rng: createRng(0), signal: pre.signal, denoise: inner }),
    ).rejects.toMatchObject({ name: 'SamplingCancelled', completedSteps: 0 });
  });

  it('cancellation during a slow denoiser call is noticed as soon as it returns', async () => {
    const s = ddim();
    const ac = new AbortController();
    const inner = fakeDenoiser(s.alphasCumprod);
    const p = sample({
      scheduler: s,
      shape,
      rng: createRng(0),
      signal: ac.signal,
      denoise: async (input) => {
        ac.abort();
        await new Promise((r) => setTimeout(r, 1));
        return inner(input);
      },
    });
    await expect(p).rejects.toMatchObject({ completedSteps: 0 });
  });

  it('refuses inconsistent arguments and bad denoiser outputs', async () => {
    const s = ddim();
    const den = fakeDenoiser(s.alphasCumprod);
    await expect(sample({ scheduler: s, shape, rng: createRng(0), denoise: den, guidanceScale: 2, condition: cond })).rejects.toThrow(
      /needs condition, nullCondition and guidanceScale together/,
    );
    await expect(
      sample({ scheduler: s, shape, rng: createRng(0), denoise: den, condition: cond, nullCondition: new Float32Array(2), guidanceScale: 2 }),
    ).rejects.toThrow(/nullCondition has 2 values; expected K = 3/);
    await expect(sample({ scheduler: s, shape, rng: [createRng(0)], denoise: den })).rejects.toThrow(/B = 2/);
    await expect(sample({ scheduler: s, shape, rng: createRng(0), denoise: () => new Float32Array(5) })).rejects.toMatchObject({
      code: 'DENOISER_OUTPUT',
    });
    await expect(
      sample({ scheduler: s, shape, rng: createRng(0), denoise: () => new Float32Array(48).fill(Number.NaN) }),
    ).rejects.toThrow(/non-finite/);
    const unset = new DDIMScheduler(SBLDM_SCHEDULE, { eta: 0 });
    await expect(sample({ scheduler: unset, shape, rng: createRng(0), denoise: den })).rejects.toBeInstanceOf(SamplerError);
  });

  describe('guidance interval (Kynkaanniemi et al. 2024)', () => {
    const counting = (s: { alphasCumprod: Float64Array }) => {
      const inner = fakeDenoiser(s.alphasCumprod);
      const calls: { t: number; rows: number; cond: number[] }[] = [];
      const denoise = (input: DenoiseInput) => {
        calls.push({ t: input.t, rows: input.shape[0]!, cond: [...input.condition!] });
        return inner(input);
      };
      return { calls, denoise };
    };
    const guidedOpts = { condition: cond, nullCondition: nullCond, guidanceScale: 3 };

    it('inside [tLo, tHi] one call on 2B rows, outside one call on the B conditional rows', async () => {
      const s = ddim();
      const { calls, denoise } = counting(s);
      await sample({ scheduler: s, shape, rng: createRng(1), denoise, ...guidedOpts, guidanceInterval: [300, 700] });
      // timesteps 900, 800, ..., 0 (leading, 10 steps); 700..300 inclusive are guided
      expect(calls.map((c) => [c.t, c.rows])).toEqual([
        [900, 2], [800, 2], [700, 4], [600, 4], [500, 4], [400, 4], [300, 4], [200, 2], [100, 2], [0, 2],
      ]);
      expect(calls.filter((c) => c.rows === 4).map((c) => c.t)).toEqual([700, 600, 500, 400, 300]);
      expect(calls.filter((c) => c.rows === 2).map((c) => c.t)).toEqual([900, 800, 200, 100, 0]);
      expect(calls.reduce((a, c) => a + c.rows, 0)).toBe(2 * (10 + 5)); // B * (calls + guided calls)
      // outside: only the conditional rows; inside: [cond; null]
      expect(calls[0]!.cond).toEqual([...cond]);
      expect(calls[2]!.cond).toEqual([...cond, 0, 0, 0, 0, 0, 0]);
      expect(denoiserCallPlan(s.timesteps, { guided: true, guidanceInterval: [300, 700] })).toEqual({ calls: 10, guidedCalls: 5, rowsPerItem: 15 });
      expect(denoiserCallPlan(s.timesteps, { guided: true })).toEqual({ calls: 10, guidedCalls: 10, rowsPerItem: 20 });
      expect(denoiserCallPlan(s.timesteps, { guided: false, guidanceInterval: [300, 700] })).toEqual({ calls: 10, guidedCalls: 0, rowsPerItem: 10 });
    });

    it('an interval covering every timestep equals plain guidance; one covering none equals the conditional model', async () => {
      for (const mk of [() => ddim(1), () => new DPMSolverPP2MScheduler(SBLDM_SCHEDULE), () => new UniPCScheduler(SBLDM_SCHEDULE)]) {
        const run = async (extra: object) => {
          const s = mk();
          return sample({ scheduler: s, shape, rng: createRng(4), numInferenceSteps: 10, denoise: fakeDenoiser(s.alphasCumprod), ...extra });
        };
        const full = await run(guidedOpts);
        expect([...(await run({ ...guidedOpts, guidanceInterval: [0, 999] }))]).toEqual([...full]);
        expect([...(await run({ ...guidedOpts, guidanceInterval: null }))]).toEqual([...full]);
        const none = await run({ ...guidedOpts, guidanceInterval: [950, 999] }); // no timestep of 900..0 inside
        expect([...none]).toEqual([...(await run({ condition: cond }))]);
        const part = await run({ ...guidedOpts, guidanceInterval: [300, 700] });
        expect(maxAbsDiff(part, full)).toBeGreaterThan(1e-3);
        expect(maxAbsDiff(part, none)).toBeGreaterThan(1e-3);
      }
    });

    it('the bounds are inclusive training timesteps', () => {
      expect([699, 700, 300, 299].map((t) => guidanceActiveAt(t, [300, 700]))).toEqual([true, true, true, false]);
      expect(guidanceActiveAt(5, null)).toBe(true);
    });

    it('refuses an interval without guidance, and malformed intervals, naming the value and the limit', async () => {
      const s = ddim();
      const den = fakeDenoiser(s.alphasCumprod);
      await expect(sample({ scheduler: s, shape, rng: createRng(0), denoise: den, condition: cond, guidanceInterval: [0, 500] })).rejects.toThrow(
        /guidanceInterval = \[0,500\] given without guidance/,
      );
      for (const bad of [[700, 300], [-1, 5], [0, 1000], [1.5, 3], [1], 'x']) {
        await expect(
          sample({ scheduler: s, shape, rng: createRng(0), denoise: den, ...guidedOpts, guidanceInterval: bad as unknown as [number, number] }),
        ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/0 <= tLo <= tHi <= 999/) });
      }
    });
  });
});
