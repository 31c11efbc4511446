/**
 * Quality control of one generated volume against the cohort's QC settings (@slicewise/models qc-settings.ts),
 * with the measurement functions the model's evaluation uses (@slicewise/conditioning qc.ts, parity with
 * Python). Every check says what it measured, against which limit, and why it failed, for provenance, the API
 * and the viewer.
 */
import { brainOutlineDice, FEATURE_NAMES, inBrainPercentiles, type ModelConditioning, type TumourFeatures } from '@slicewise/conditioning';
import type { QcSettings } from '@slicewise/models';
import type { QcCheck } from '@slicewise/provenance';

const r3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * Regeneration seeds: try t of retry round r uses noise key r * 100 + t, forked from the volume's own stream
 * (key 0 = the volume's own seed: a volume that passes on its first try of round 0 is the volume it always was).
 */
export const noiseKeyOf = (round: number, tryIndex: number) => round * 100 + tryIndex;

export function checkVolume(
  s: QcSettings,
  conditioning: ModelConditioning,
  requested: readonly number[],
  features: TumourFeatures,
  image: Float32Array, // [D, H, W], the model's image channel in its output range
  mask: Uint8Array, // [D, H, W], the tumour mask after post-processing (left out of the intensity percentiles when the model says so)
): QcCheck[] {
  const checks: QcCheck[] = [];
  const idx = (f: string) => (FEATURE_NAMES as readonly string[]).indexOf(f);
  const wantsTumour = (requested[idx('voxel_volume')] ?? 0) > 0;
  if (wantsTumour) {
    const n = features.raw.voxelCount;
    const ok = n >= s.minTumourVoxels;
    checks.push({ name: 'tumour present', passed: ok, measured: n, limit: `>= ${s.minTumourVoxels} voxels`, reason: ok ? null : `tumour missing: ${n} voxel(s) in the mask, at least ${s.minTumourVoxels} required` });
  }
  const measured = features.normalised;
  for (const [feature, tol] of Object.entries(s.tolerances)) {
    const i = idx(feature);
    if (i < 0 || !measured || !wantsTumour) continue; // an absent tumour is reported once, above
    const err = Math.abs(measured[i]! - requested[i]!);
    const ok = err <= tol;
    checks.push({
      name: feature,
      passed: ok,
      measured: r3(measured[i]!),
      limit: `|measured - requested ${r3(requested[i]!)}| <= ${tol}`,
      reason: ok ? null : `${feature}: measured ${r3(measured[i]!)}, requested ${r3(requested[i]!)}, error ${r3(err)} > tolerance ${tol}`,
    });
  }
  const shape = conditioning.volumeShapeDhw;
  const brainMaskUsable = conditioning.brainMaskShapeDhw.join() === shape.join();
  if (s.brainOutline && brainMaskUsable) {
    const d = brainOutlineDice(image, shape, conditioning.brainMask, s.brainOutline.imageThreshold);
    const ok = d >= s.brainOutline.minDice;
    checks.push({
      name: 'brain outline',
      passed: ok,
      measured: r3(d),
      limit: `Dice >= ${s.brainOutline.minDice}`,
      reason: ok ? null : `not brain-like: brain-outline Dice ${r3(d)} (image > ${s.brainOutline.imageThreshold} against the model's brain mask) < ${s.brainOutline.minDice}`,
    });
  }
  if ((s.brainOutline || s.intensity) && !brainMaskUsable) {
    const note = `not checked: the model's brain mask grid ${JSON.stringify(conditioning.brainMaskShapeDhw)} is not the volume grid ${JSON.stringify(shape)}`;
    checks.push({ name: 'brain-likeness', passed: true, measured: null, limit: note, reason: null });
  }
  if (s.intensity && brainMaskUsable) {
    const ps = inBrainPercentiles(image, shape, conditioning.brainMask, s.intensity.percentiles, s.intensity.excludeTumour ? mask : undefined);
    ps.forEach((v, k) => {
      const [lo, hi] = s.intensity!.ranges[k]!;
      const ok = v >= lo && v <= hi;
      const p = s.intensity!.percentiles[k];
      const where = s.intensity!.excludeTumour ? 'brain-tissue (tumour left out)' : 'in-brain';
      const reason = ok ? null : Number.isNaN(v) ? 'no brain tissue outside the tumour mask to measure' : `${where} intensity p${p} = ${r3(v)} outside the training range [${lo}, ${hi}]`;
      checks.push({ name: `intensity p${p}`, passed: ok, measured: Number.isNaN(v) ? null : r3(v), limit: `in [${lo}, ${hi}]`, reason });
    });
  }
  return checks;
}
