import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { makeCenteredRasAffine } from './affine.ts';
import { encodeNifti1, writeNifti } from './write.ts';

describe('writeNifti', () => {
  it('writes a gzipped NIfTI-1 with the header fields we promise', () => {
    const gz = writeNifti({ data: Uint8Array.from([0, 1, 1, 0, 0, 0, 1, 0]), shapeDHW: [2, 2, 2], spacingMm: [1, 1, 2], intent: 'label' });
    expect([gz[0], gz[1]]).toEqual([0x1f, 0x8b]);
    const b = gunzipSync(gz);
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    expect(dv.getInt32(0, true)).toBe(348);
    expect(String.fromCharCode(b[344]!, b[345]!, b[346]!, b[347]!)).toBe('n+1\0');
    expect(dv.getFloat32(108, true)).toBe(352);
    expect(dv.getInt16(68, true)).toBe(1002); // NIFTI_INTENT_LABEL
    expect(dv.getInt16(70, true)).toBe(2); // uint8
    expect(dv.getInt16(72, true)).toBe(8);
    expect(b[123]).toBe(2); // mm
    expect(dv.getFloat32(124, true)).toBe(1); // cal_max
    expect(dv.getFloat32(128, true)).toBe(0); // cal_min
    expect(b.length).toBe(352 + 8);
    // sform = centred RAS affine
    const A = makeCenteredRasAffine([2, 2, 2], [1, 1, 2]);
    expect(dv.getFloat32(280, true)).toBe(A[0]![0]);
    expect(dv.getFloat32(280 + 12, true)).toBe(A[0]![3]);
    expect(dv.getFloat32(312 + 8, true)).toBe(2);
  });

  it('refuses inconsistent or unsafe input, writing nothing', () => {
    const base = { data: new Float32Array(8), shapeDHW: [2, 2, 2], spacingMm: [1, 1, 1] };
    expect(() => encodeNifti1({ ...base, intent: 'label' })).toThrow(/intent 'label' needs a Uint8Array/);
    expect(() => encodeNifti1({ ...base, data: new Float32Array(7) })).toThrow(/data has 7 values but shapeDHW \[2, 2, 2\] needs 8/);
    expect(() => encodeNifti1({ ...base, data: Float32Array.from([0, 0, 0, Number.NaN, 0, 0, 0, 0]) })).toThrow(/data\[3\] = NaN/);
    expect(() => encodeNifti1({ ...base, spacingMm: [1, 1] })).toThrow(/spacingMm/);
    expect(() => encodeNifti1({ ...base, affine: makeCenteredRasAffine([2, 2, 2], [2, 1, 1]) })).toThrow(
      /affine column 0 has length 2 mm but spacingMm\[0\] = 1/,
    );
    expect(() => encodeNifti1({ ...base, description: 'x'.repeat(80) })).toThrow(/at most 79/);
    expect(() => encodeNifti1({ ...base, shapeDHW: [2, 2, 40000] })).toThrow(/\[1, 32767\]/);
    expect(() => writeNifti({ ...base, gzipLevel: 11 })).toThrow(/gzipLevel = 11/);
  });
});
