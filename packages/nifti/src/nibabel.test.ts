/**
 * Interoperability with nibabel (the reference NIfTI implementation in Python):
 * - files written by nibabel (NIfTI-1/2, gz or not, big-endian, sform/qform/no transform) read correctly;
 * - files we write are read by nibabel with the same shape, affine, dtype, intent, units and values.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Affine, makeCenteredRasAffine } from './affine.ts';
import { readNifti } from './read.ts';
import { resampleToGrid } from './resample.ts';
import { hasNibabel, runPython } from './testing/python.ts';
import { writeNifti } from './write.ts';

const MAKE_FILES = String.raw`
import json, sys
import numpy as np, nibabel as nib
out = sys.argv[1]
rng = np.random.default_rng(0)
man = {}
def rec(name, img, arr, **kw):
    man[name] = dict(shape=list(arr.shape), data=np.asarray(arr).ravel(order='F').astype(float).tolist(),
                     sform=img.header.get_sform().tolist(), qform=img.header.get_qform().tolist(),
                     zooms=[float(z) for z in img.header.get_zooms()[:3]], **kw)
th = 0.3
rot = np.array([[np.cos(th)*2, -np.sin(th)*1.5, 0, 10], [np.sin(th)*2, np.cos(th)*1.5, 0, -20], [0, 0, 3, 5], [0, 0, 0, 1]])
# a: int16, rotated sform (code 2) and a different qform (code 1): sform wins
a = rng.integers(-500, 500, size=(5, 4, 3)).astype(np.int16)
img = nib.Nifti1Image(a, rot)
img.header.set_sform(rot, code=2)
q = np.diag([2.0, 1.5, 3.0, 1.0]); q[:3, 3] = [1, 2, 3]
img.header.set_qform(q, code=1)
nib.save(img, out + '/a.nii.gz'); rec('a', img, a)
# b: qform only, with a left-handed (flipped) rotation -> qfac = -1
flip = rot.copy(); flip[:3, 2] *= -1
b = rng.standard_normal((4, 3, 2)).astype(np.float32)
img = nib.Nifti1Image(b, flip)
img.header.set_sform(None, code=0)
img.header.set_qform(flip, code=1)
nib.save(img, out + '/b.nii'); rec('b', img, b)
# c: big-endian float32 with sform
hdr = nib.Nifti1Header(endianness='>')
c = rng.standard_normal((3, 4, 5)).astype('>f4')
img = nib.Nifti1Image(c, rot, header=hdr)
nib.save(img, out + '/c.nii'); rec('c', img, c, endian=nib.load(out + '/c.nii').header.endianness)
# d: NIfTI-2, float64, gz
d = rng.standard_normal((3, 2, 4))
img = nib.Nifti2Image(d, rot)
nib.save(img, out + '/d.nii.gz'); rec('d', img, d)
# e: no transform at all (codes 0) -> diag(pixdim)
e = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
img = nib.Nifti1Image(e, None)
img.header.set_zooms((1.5, 2.5, 3.5))
nib.save(img, out + '/e.nii.gz'); rec('e', img, e, codes=[int(nib.load(out + '/e.nii.gz').header['sform_code']), int(nib.load(out + '/e.nii.gz').header['qform_code'])])
# f: 4D, t = 3; g: 4D with t = 1
nib.save(nib.Nifti1Image(np.zeros((3, 3, 2, 3), np.int16), np.eye(4)), out + '/f.nii.gz')
nib.save(nib.Nifti1Image(np.ones((3, 3, 2, 1), np.int16), np.eye(4)), out + '/g.nii.gz')
# h: complex64 (unsupported)
nib.save(nib.Nifti1Image(np.zeros((2, 2, 2), np.complex64), np.eye(4)), out + '/h.nii')
print(json.dumps(man))
`;

const READ_OURS = String.raw`
import json, sys
import numpy as np, nibabel as nib
res = {}
for path in sys.argv[1:]:
    img = nib.load(path)
    h = img.header
    arr = np.asanyarray(img.dataobj)
    res[path] = dict(shape=list(img.shape), affine=img.affine.tolist(), sform=int(h.get_sform(coded=True)[1]),
                     qform_code=int(h['qform_code']), qform=h.get_qform().tolist(), sform_aff=h.get_sform().tolist(),
                     dtype=str(h.get_data_dtype()), intent=h.get_intent()[0], intent_code=int(h['intent_code']),
                     units=list(h.get_xyzt_units()), zooms=[float(z) for z in h.get_zooms()],
                     cal=[float(h['cal_min']), float(h['cal_max'])], vox_offset=float(img.dataobj.offset),
                     descrip=h['descrip'].item().decode(), data=arr.ravel(order='F').astype(float).tolist())
print(json.dumps(res))
`;

interface Made {
  shape: number[];
  data: number[];
  sform: Affine;
  qform: Affine;
  zooms: number[];
  endian?: string;
  codes?: number[];
}

function expectAffineClose(a: Affine, b: Affine, tol = 1e-5): void {
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) expect(Math.abs(a[r]![c]! - b[r]![c]!)).toBeLessThan(tol);
}

describe.skipIf(!hasNibabel)('nibabel interoperability', () => {
  let dir: string;
  let made: Record<string, Made>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'nifti-test-'));
    made = runPython<Record<string, Made>>(MAKE_FILES, [dir]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads nibabel NIfTI-1 .nii.gz: int16 values, sform preferred over qform', async () => {
    const v = await readNifti(join(dir, 'a.nii.gz'));
    expect(v.header.version).toBe(1);
    expect(v.dims).toEqual([5, 4, 3]);
    expect(v.datatype).toBe('int16');
    expect(v.affineSource).toBe('sform');
    expectAffineClose(v.affine, made.a!.sform);
    expect([...v.data]).toEqual(made.a!.data);
    expect(v.spacingMm.map((s) => +s.toFixed(5))).toEqual(made.a!.zooms);
  });

  it('reads a qform-only file with a left-handed rotation (qfac = -1)', async () => {
    const v = await readNifti(join(dir, 'b.nii'));
    expect(v.affineSource).toBe('qform');
    expect(v.header.pixdim[0]).toBe(-1);
    expectAffineClose(v.affine, made.b!.qform);
    expect(v.datatype).toBe('float32');
    expect(Array.from(v.data)).toEqual(made.b!.data);
  });

  it('reads big-endian data', async () => {
    expect(made.c!.endian).toBe('>');
    const v = await readNifti(readFileSync(join(dir, 'c.nii')));
    expect(v.header.littleEndian).toBe(false);
    expect(Array.from(v.data)).toEqual(made.c!.data);
    expectAffineClose(v.affine, made.c!.sform);
  });

  it('reads NIfTI-2 float64 (gz) with its float64 sform', async () => {
    const v = await readNifti(join(dir, 'd.nii.gz'));
    expect(v.header.version).toBe(2);
    expect(v.datatype).toBe('float64');
    expect(v.dims).toEqual([3, 2, 4]);
    expect(Array.from(v.data)).toEqual(made.d!.data);
    expectAffineClose(v.affine, made.d!.sform, 1e-12);
  });

  it('falls back to diag(pixdim) when neither sform nor qform is set', async () => {
    expect(made.e!.codes).toEqual([0, 0]);
    const v = await readNifti(join(dir, 'e.nii.gz'));
    expect(v.affineSource).toBe('pixdim');
    expect(v.affine).toEqual([
      [1.5, 0, 0, 0],
      [0, 2.5, 0, 0],
      [0, 0, 3.5, 0],
      [0, 0, 0, 1],
    ]);
    expect(Array.from(v.data)).toEqual(made.e!.data);
  });

  it('4D: t = 3 is refused when 3D is required, t = 1 is accepted', async () => {
    await expect(readNifti(join(dir, 'f.nii.gz'), { require3D: true })).rejects.toMatchObject({
      code: 'NOT_3D',
      message: expect.stringContaining('[3, 3, 2, 3]'),
    });
    expect((await readNifti(join(dir, 'f.nii.gz'))).dims).toEqual([3, 3, 2, 3]);
    const g = await readNifti(join(dir, 'g.nii.gz'), { require3D: true });
    expect(g.dims).toEqual([3, 3, 2]);
    expect(g.data.length).toBe(18);
  });

  it('refuses complex data with UNSUPPORTED_DATATYPE', async () => {
    await expect(readNifti(join(dir, 'h.nii'))).rejects.toMatchObject({
      code: 'UNSUPPORTED_DATATYPE',
      message: expect.stringContaining('complex64'),
    });
  });

  it('nibabel reads what we write: shape, affine, qform = sform, dtype, intent, units, values', () => {
    // float32 image, default centred RAS affine
    const img = Float32Array.from({ length: 3 * 4 * 5 }, (_, i) => Math.sin(i) * 100);
    const imgPath = join(dir, 'ours-image.nii.gz');
    writeFileSync(imgPath, writeNifti({ data: img, shapeDHW: [3, 4, 5], spacingMm: [1, 1.5, 2], description: 'synthetic' }));
    // uint8 label mask, rotated and left-handed affine
    const th = 0.4;
    const rotFlip: Affine = [
      [Math.cos(th) * 0.8, -Math.sin(th) * 1.2, 0, 12.5],
      [Math.sin(th) * 0.8, Math.cos(th) * 1.2, 0, -7],
      [0, 0, -2, 40],
      [0, 0, 0, 1],
    ];
    const mask = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const maskPath = join(dir, 'ours-mask.nii.gz');
    writeFileSync(maskPath, writeNifti({ data: mask, shapeDHW: [2, 3, 4], spacingMm: [0.8, 1.2, 2], affine: rotFlip, intent: 'label' }));
    // sheared affine: sform only
    const shear: Affine = [
      [1, 0.5, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ];
    const shearPath = join(dir, 'ours-shear.nii.gz');
    writeFileSync(shearPath, writeNifti({ data: new Float32Array(8), shapeDHW: [2, 2, 2], spacingMm: [1, Math.hypot(0.5, 1), 1], affine: shear }));

    const res = runPython<Record<string, Record<string, unknown>>>(READ_OURS, [imgPath, maskPath, shearPath]);
    const a = res[imgPath]!;
    expect(a.shape).toEqual([5, 4, 3]); // [X, Y, Z] = [W, H, D]
    expectAffineClose(a.affine as Affine, makeCenteredRasAffine([5, 4, 3], [1, 1.5, 2]));
    expectAffineClose(a.qform as Affine, a.sform_aff as Affine);
    expect(a.sform).toBe(1);
    expect(a.qform_code).toBe(1);
    expect(a.dtype).toBe('float32');
    expect(a.intent).toBe('none');
    expect(a.units).toEqual(['mm', 'unknown']);
    expect(a.zooms).toEqual([1, 1.5, 2]);
    expect(a.vox_offset).toBe(352);
    expect(a.descrip).toBe('synthetic');
    expect(a.data).toEqual(Array.from(img));
    const lo = Math.min(...img);
    const hi = Math.max(...img);
    expect(a.cal).toEqual([lo, hi]);

    const m = res[maskPath]!;
    expect(m.shape).toEqual([4, 3, 2]);
    expect(m.dtype).toBe('uint8');
    expect(m.intent).toBe('label');
    expect(m.intent_code).toBe(1002);
    expectAffineClose(m.affine as Affine, rotFlip);
    expectAffineClose(m.qform as Affine, rotFlip); // the qform reproduces the flip (qfac = -1)
    expect(m.data).toEqual(Array.from(mask));
    expect(m.cal).toEqual([0, 1]);

    const s = res[shearPath]!;
    expect(s.qform_code).toBe(0);
    expectAffineClose(s.affine as Affine, shear);
  });

  it('our own reader reads what we write back identically', async () => {
    const mask = Uint8Array.from({ length: 4 * 5 * 6 }, (_, i) => (i * 7) % 3);
    const affine = makeCenteredRasAffine([6, 5, 4], [1, 1, 2.5]);
    const v = await readNifti(writeNifti({ data: mask, shapeDHW: [4, 5, 6], spacingMm: [1, 1, 2.5], intent: 'label' }));
    expect(v.dims).toEqual([6, 5, 4]);
    expect(v.datatype).toBe('uint8');
    expect(v.intentCode).toBe(1002);
    expect([...v.data]).toEqual([...mask]);
    expect(v.affineSource).toBe('sform');
    expectAffineClose(v.affine, affine);
    expect(v.spacingMm).toEqual([1, 1, 2.5]);
  });

  it('resampleToGrid (linear) agrees with scipy.ndimage.affine_transform inside the volume', () => {
    const SCIPY = String.raw`
import json, sys
import numpy as np
from scipy.ndimage import affine_transform
d = json.loads(sys.argv[1])
src = np.array(d['src'], dtype=np.float64).reshape(d['srcDims'][::-1]).transpose(2, 1, 0)  # -> [X, Y, Z]
M = np.linalg.inv(np.array(d['srcAffine'])) @ np.array(d['dstAffine'])
out = affine_transform(src, M[:3, :3], offset=M[:3, 3], output_shape=tuple(d['dstDims']), order=1, mode='constant', cval=np.nan)
print(json.dumps([None if np.isnan(v) else v for v in out.ravel(order='F').tolist()]))
`;
    const srcDims = [10, 12, 8];
    const src = Float32Array.from({ length: 960 }, (_, i) => Math.sin(i * 0.37) * 10 + (i % 7));
    const th = 0.35;
    const srcAffine: Affine = [
      [Math.cos(th), -Math.sin(th) * 1.2, 0, -4],
      [Math.sin(th), Math.cos(th) * 1.2, 0, -6],
      [0, 0, 2, -7],
      [0, 0, 0, 1],
    ];
    const dstAffine: Affine = [
      [0.9, 0, 0.1, -3],
      [0, 1.1, 0, -5],
      [-0.1, 0, 1.5, -5],
      [0, 0, 0, 1],
    ];
    const dstDims = [9, 9, 8];
    const ours = resampleToGrid(src, srcAffine, srcDims, dstAffine, dstDims, { interpolation: 'linear', fill: -999 });
    const ref = runPython<(number | null)[]>(SCIPY, [JSON.stringify({ src: [...src], srcDims, srcAffine, dstAffine, dstDims })]);
    // scipy (cval NaN) gives a number only where all 8 neighbours are inside, i.e. p in [0, dim - 1]:
    // there both must agree; elsewhere we extend half a voxel or fill, by design
    let compared = 0;
    for (let i = 0; i < ref.length; i++) {
      const r = ref[i];
      if (r !== null && r !== undefined) {
        expect(Math.abs(ours[i]! - r)).toBeLessThan(1e-4);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(100);
  });
});
