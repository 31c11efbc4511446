import { describe, expect, it } from 'vitest';
import { exampleVolumeProvenance } from './testing.ts';
import { generationInputsOf, parseVolumeProvenance, ProvenanceError, qcOf, samplerSettingsOf, VOLUME_PROVENANCE_SCHEMA, VOLUME_PROVENANCE_SCHEMA_V1 } from './volume-provenance.ts';

const valid = () => exampleVolumeProvenance({ volumeId: 'v1', cohortId: 'c1', subjectIndex: 3 });

function errorOf(raw: unknown): ProvenanceError {
  try {
    parseVolumeProvenance(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ProvenanceError);
    return e as ProvenanceError;
  }
  throw new Error('expected a ProvenanceError');
}

describe('parseVolumeProvenance', () => {
  it('accepts a record of the current schema and round-trips it through JSON', () => {
    const p = valid();
    expect(p.schema).toBe(VOLUME_PROVENANCE_SCHEMA);
    expect(parseVolumeProvenance(JSON.parse(JSON.stringify(p)))).toEqual(p);
  });

  it('accepts records written before request-time settings (with the raw requestedSettings)', () => {
    const old = { ...valid(), scheduler: { ...valid().scheduler, requestedSettings: { steps: 4 } } };
    expect(parseVolumeProvenance(old).scheduler.numInferenceSteps).toBe(4);
  });

  it('refuses an unknown or missing schema version by name', () => {
    expect(errorOf({ ...valid(), schema: 'slicewise-volume-provenance/9' })).toMatchObject({ code: 'UNKNOWN_SCHEMA', message: expect.stringContaining('slicewise-volume-provenance/9') });
    expect(errorOf(null).code).toBe('UNKNOWN_SCHEMA');
    expect(errorOf('x').code).toBe('UNKNOWN_SCHEMA');
  });

  it('lists every problem with its path and never fills in values', () => {
    const bad = valid() as Record<string, any>;
    delete bad.seeds.volumeSeed;
    bad.outputs.image.sha256 = 'XYZ';
    bad.scheduler.sampler = 'euler';
    bad.runtime.executionProvider = 'cpu'; // the old fixture shape: a string instead of {requested, used}
    const e = errorOf(bad);
    expect(e.code).toBe('INVALID');
    const paths = e.issues.map((i) => i.split(':')[0]);
    expect(paths).toEqual(expect.arrayContaining(['seeds.volumeSeed', 'outputs.image.sha256', 'scheduler.sampler', 'runtime.executionProvider']));
  });

  it('gives the sampler settings a record was generated with, in the contract shape', () => {
    expect(samplerSettingsOf(valid())).toEqual({ sampler: 'ddim', numInferenceSteps: 4, eta: 0, guidanceScale: 2, timestepSpacing: 'leading', stepsOffset: 0, setAlphaToOne: true, guidanceInterval: null });
  });

  it('reads schema /1 records (before calibration and QC) and says what they lack instead of inventing it', () => {
    const v2 = valid() as Record<string, any>;
    const { calibration: _c, qc: _q, ...rest } = v2;
    const v1 = { ...rest, schema: VOLUME_PROVENANCE_SCHEMA_V1, seeds: { ...v2.seeds, noise: { algorithm: v2.seeds.noise.algorithm, rng: v2.seeds.noise.rng } }, worker: { ...v2.worker } };
    delete v1.worker.attemptId;
    delete (v1 as any).condition.fed;
    const p = parseVolumeProvenance(JSON.parse(JSON.stringify(v1)));
    expect(p.schema).toBe(VOLUME_PROVENANCE_SCHEMA_V1);
    expect(qcOf(p)).toMatchObject({ status: 'not-run', notRunReason: expect.stringContaining('schema /1') });
    expect(generationInputsOf(p)).toEqual({ condition: p.condition.requested, noiseSeed: 1003, subjectIndex: 3, noiseKey: 0 });
    // a /2 record is refused without its calibration and QC sections
    expect(errorOf({ ...v1, schema: VOLUME_PROVENANCE_SCHEMA }).issues.map((i) => i.split(':')[0])).toEqual(expect.arrayContaining(['qc', 'calibration', 'condition.fed']));
  });

  it('regeneration uses the fed (calibrated) vector and the accepted try\'s noise key', () => {
    const p = valid();
    p.condition.fed = p.condition.requested.map((x) => x / 2);
    p.seeds.noise.noiseKey = 2;
    expect(generationInputsOf(p)).toMatchObject({ condition: p.condition.fed, noiseKey: 2 });
  });
});
