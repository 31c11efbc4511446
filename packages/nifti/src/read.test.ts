import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { NiftiError } from './errors.ts';
import { parseNifti, readNifti, scaledFloat32 } from './read.ts';
import { readNiftiFromStream } from './stream.ts';
import { encodeNifti1, writeNifti } from './write.ts';

const shapeDHW = [2, 3, 4] as const;
const image = Float32Array.from({ length: 24 }, (_, i) => i - 5.5);
const raw = (): Uint8Array => encodeNifti1({ data: image, shapeDHW, spacingMm: [1, 2, 3] });

function expectNiftiError(f: () => unknown, code: string, msg: RegExp): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(NiftiError);
    expect((e as NiftiError).code).toBe(code);
    expect((e as NiftiError).message).toMatch(msg);
    return;
  }
  throw new Error(`expected a NiftiError ${code}`);
}

describe('round trip', () => {
  it('reads back .nii and .nii.gz identically (gzip detected by magic, not by name)', async () => {
    const plain = await readNifti(raw());
    const gz = await readNifti(writeNifti({ data: image, shapeDHW, spacingMm: [1, 2, 3] }));
    for (const v of [plain, gz]) {
      expect(v.dims).toEqual([4, 3, 2]);
      expect(v.datatype).toBe('float32');
      expect([...v.data]).toEqual([...image]);
      expect(v.spacingMm).toEqual([1, 2, 3]);
      expect(v.header.voxOffset).toBe(352);
      expect(v.header.calMin).toBe(-5.5);
      expect(v.header.calMax).toBe(17.5);
      expect(v.header.xyztUnits).toBe(2);
      expect(v.header.qformCode).toBe(1);
      expect(v.header.sformCode).toBe(1);
    }
  });

  it('the voxel order on disk is the C-order [D, H, W] array (W fastest)', () => {
    const bytes = raw();
    const dv = new DataView(bytes.buffer);
    // voxel (w=1, h=2, d=1) is flat index 1 + 4 * (2 + 3 * 1) = 21
    expect(dv.getFloat32(352 + 4 * 21, true)).toBe(image[21]);
    expect(dv.getInt16(42, true)).toBe(4); // dim[1] = X = W
    expect(dv.getInt16(46, true)).toBe(2); // dim[3] = Z = D
  });

  it('applies scl_slope / scl_inter only in scaledFloat32', () => {
    const bytes = encodeNifti1({ data: Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7]), shapeDHW: [2, 2, 2], spacingMm: [1, 1, 1] });
    const dv = new DataView(bytes.buffer);
    dv.setFloat32(112, 2, true); // scl_slope
    dv.setFloat32(116, -1, true); // scl_inter
    const v = parseNifti(bytes);
    expect([...v.data]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect([...scaledFloat32(v)]).toEqual([-1, 1, 3, 5, 7, 9, 11, 13]);
    dv.setFloat32(112, 0, true); // slope 0 means "no scaling" (NIfTI-1)
    expect([...scaledFloat32(parseNifti(bytes))]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('converts pixdim to mm when xyzt_units says metres', () => {
    const bytes = raw();
    bytes[123] = 1; // NIFTI_UNITS_METER
    expect(parseNifti(bytes).spacingMm).toEqual([1000, 2000, 3000]);
  });
});

describe('errors', () => {
  const expectCode = (f: () => unknown, code: string, msg?: RegExp): void => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(NiftiError);
      expect((e as NiftiError).code).toBe(code);
      if (msg) expect((e as NiftiError).message).toMatch(msg);
      return;
    }
    throw new Error(`expected NiftiError ${code}`);
  };

  it('not NIfTI: wrong sizeof_hdr, wrong magic, hdr/img pair, tiny file', () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new Array(400).fill(0)]);
    expectCode(() => parseNifti(png), 'NOT_NIFTI', /sizeof_hdr .* NIfTI-1 has 348/);
    const badMagic = raw();
    badMagic[345] = 'X'.charCodeAt(0);
    expectCode(() => parseNifti(badMagic), 'NOT_NIFTI', /magic is 'nX1'/);
    const pair = raw();
    pair[345] = 'i'.charCodeAt(0); // 'ni1'
    expectCode(() => parseNifti(pair), 'UNSUPPORTED_FORMAT', /\.hdr\/\.img pair/);
    expectCode(() => parseNifti(new Uint8Array(2)), 'NOT_NIFTI');
    expectCode(() => parseNifti(gzipSync(Buffer.from('hello, not a nifti file'))), 'NOT_NIFTI');
  });

  it('truncated: voxel data cut short, header cut short, gzip stream cut short', () => {
    const full = raw();
    expectCode(() => parseNifti(full.subarray(0, full.length - 1)), 'TRUNCATED', /needs 448/);
    expectCode(() => parseNifti(full.subarray(0, 200)), 'TRUNCATED', /header needs 348/);
    const gz = writeNifti({ data: image, shapeDHW, spacingMm: [1, 2, 3] });
    expectCode(() => parseNifti(gz.subarray(0, gz.length - 20)), 'TRUNCATED', /gzip stream ends early/);
    expect(gunzipSync(gz).length).toBe(448);
  });

  it('4D with t > 1 where 3D is required', () => {
    const bytes = encodeNifti1({ data: new Float32Array(24), shapeDHW: [2, 3, 4], spacingMm: [1, 1, 1] });
    const dv = new DataView(bytes.buffer);
    dv.setInt16(40, 4, true); // dim[0] = 4
    dv.setInt16(46, 1, true); // z = 1
    dv.setInt16(48, 2, true); // t = 2 (same voxel count: 4 * 3 * 1 * 2)
    expectCode(() => parseNifti(bytes, { require3D: true }), 'NOT_3D', /t = 2/);
    expect(parseNifti(bytes).dims).toEqual([4, 3, 1, 2]);
  });

  it('unsupported datatype (int64, rgb24) names the type and the allowed list', () => {
    const bytes = raw();
    const dv = new DataView(bytes.buffer);
    dv.setInt16(70, 1024, true);
    expectCode(() => parseNifti(bytes), 'UNSUPPORTED_DATATYPE', /datatype 1024 \(int64\).*allowed: uint8/);
    dv.setInt16(70, 128, true);
    expectCode(() => parseNifti(bytes), 'UNSUPPORTED_DATATYPE', /rgb24/);
  });

  it('invalid header values', () => {
    const bytes = raw();
    const dv = new DataView(bytes.buffer);
    dv.setFloat32(108, 100, true); // vox_offset inside the header
    expectCode(() => parseNifti(bytes), 'INVALID_HEADER', /vox_offset = 100/);
    const b2 = raw();
    new DataView(b2.buffer).setInt16(44, 0, true); // dim[2] = 0
    expectCode(() => parseNifti(b2), 'INVALID_HEADER', /dim\[1..3\]/);
  });

  it('limits: maxBytes and maxUncompressedBytes (gzip bomb)', () => {
    const bomb = gzipSync(Buffer.concat([Buffer.from(raw()), Buffer.alloc(5_000_000)]));
    expect(bomb.length).toBeLessThan(20_000);
    expectCode(() => parseNifti(bomb, { maxUncompressedBytes: 1_000_000 }), 'TOO_LARGE_DECOMPRESSED', /maxUncompressedBytes = 1000000/);
    expectCode(() => parseNifti(raw(), { maxBytes: 100 }), 'TOO_LARGE_COMPRESSED');
  });
});

describe('readNiftiFromStream', () => {
  const gz = writeNifti({ data: image, shapeDHW, spacingMm: [1, 2, 3] });
  const chunked = (buf: Uint8Array, size: number): Uint8Array[] => {
    const out: Uint8Array[] = [];
    for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
    return out;
  };

  it('reads a chunked upload', async () => {
    const v = await readNiftiFromStream(Readable.from(chunked(gz, 7)), { maxBytes: gz.length });
    expect([...v.data]).toEqual([...image]);
  });

  it('refuses over maxBytes as soon as the limit is passed, and stops reading', async () => {
    let pulled = 0;
    const big = encodeNifti1({ data: new Uint8Array(100 * 100 * 100), shapeDHW: [100, 100, 100], spacingMm: [1, 1, 1] });
    async function* source(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 1000; i++) {
        pulled++;
        yield big.subarray(i * 1024, (i + 1) * 1024);
      }
    }
    const stream = Readable.from(source());
    await expect(readNiftiFromStream(stream, { maxBytes: 10 * 1024 })).rejects.toMatchObject({
      code: 'TOO_LARGE_COMPRESSED',
      message: expect.stringContaining('maxBytes = 10240'),
    });
    expect(pulled).toBeLessThan(30); // not the whole 1 MB (Readable.from may read a little ahead)
    expect(stream.destroyed).toBe(true);
  });

  it('refuses by the header (dims x datatype) before inflating the voxels, with its own code', async () => {
    // 0.98 MB of gzip that inflates to a 1000^3 uint8 volume (1 GB).
    const header = encodeNifti1({ data: new Uint8Array(8), shapeDHW: [2, 2, 2], spacingMm: [1, 1, 1] }).slice(0, 352);
    const dv = new DataView(header.buffer);
    for (const a of [1, 2, 3]) dv.setInt16(40 + 2 * a, 1000, true);
    let pulled = 0;
    async function* bomb(): AsyncGenerator<Uint8Array> {
      const gz = gzipSync(Buffer.concat([Buffer.from(header), Buffer.alloc(16 * 1024 * 1024)]));
      for (let i = 0; i < 64; i++) {
        pulled++;
        yield i === 0 ? gz.subarray(0, 4096) : gz.subarray(0, 0);
      }
    }
    await expect(readNiftiFromStream(Readable.from(bomb()), { maxBytes: 1e6, maxVoxels: 256 ** 3 })).rejects.toMatchObject({
      code: 'TOO_LARGE_DECOMPRESSED',
      message: expect.stringMatching(/dims \[1000, 1000, 1000\] = 1000000000 voxels, over the limit maxVoxels = 16777216/),
    });
    expect(pulled).toBeLessThan(4);
    await expect(readNiftiFromStream(Readable.from(bomb()), { maxBytes: 1e6, maxUncompressedBytes: 64e6 })).rejects.toMatchObject({
      code: 'TOO_LARGE_DECOMPRESSED',
      message: expect.stringMatching(/announces 1000000352 decoded bytes .* over the limit maxUncompressedBytes = 64000000/),
    });
  });

  it('bounds the inflation ratio once past its floor', async () => {
    const vol = encodeNifti1({ data: new Uint8Array(200 * 200 * 100), shapeDHW: [100, 200, 200], spacingMm: [1, 1, 1] });
    const gz = gzipSync(vol);
    expect(vol.length / gz.length).toBeGreaterThan(500);
    await expect(readNiftiFromStream(Readable.from(chunked(gz, 1024)), { maxBytes: 1e6, maxInflationRatio: 100, ratioFloorBytes: 65536 })).rejects.toMatchObject({
      code: 'TOO_LARGE_DECOMPRESSED',
      message: expect.stringContaining('maxInflationRatio = 100'),
    });
    const v = await readNiftiFromStream(Readable.from(chunked(gz, 1024)), { maxBytes: 1e6, maxInflationRatio: 2000 });
    expect(v.dims).toEqual([200, 200, 100]);
  });

  it('refuses zero, NaN and huge voxel sizes as an invalid header', () => {
    for (const bad of [0, NaN, 1e30]) {
      const bytes = raw();
      const dv = new DataView(bytes.buffer);
      dv.setInt16(252, 0, true); // qform_code
      dv.setInt16(254, 0, true); // sform_code
      dv.setFloat32(80, bad, true); // pixdim[1]
      expectNiftiError(() => parseNifti(bytes), 'INVALID_HEADER', /pixdim\[1\]/);
    }
    const sform = raw();
    new DataView(sform.buffer).setFloat32(280, NaN, true); // srow_x[0]
    expectNiftiError(() => parseNifti(sform), 'INVALID_HEADER', /non-finite/);
  });

  it('passes errors of the content through (truncated upload)', async () => {
    await expect(readNiftiFromStream(Readable.from(chunked(gz.subarray(0, 100), 10)), { maxBytes: 1e6 })).rejects.toMatchObject({
      code: 'TRUNCATED',
    });
    await expect(readNiftiFromStream(Readable.from([]), { maxBytes: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
