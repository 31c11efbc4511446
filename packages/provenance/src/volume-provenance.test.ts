import { describe, expect, it } from 'vitest';
import { exampleVolumeProvenance } from './testing.ts';
import { parseVolumeProvenance, ProvenanceError, samplerSettingsOf, VOLUME_PROVENANCE_SCHEMA } from './volume-provenance.ts';

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
    expect(samplerSettingsOf(valid())).toEqual({ sampler: 'ddim', numInferenceSteps: 4, eta: 0, guidanceScale: 2, timestepSpacing: 'leading', stepsOffset: 0, setAlphaToOne: true });
  });
});
