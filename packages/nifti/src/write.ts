/**
 * Writing one 3D volume as a gzipped NIfTI-1 file (.nii.gz). The 348-byte header is written field by
 * field with a DataView (little-endian), followed by 4 zero extension bytes and the voxels at
 * vox_offset 352, x fastest: exactly the C-order [D, H, W] array (packages/conditioning/SPEC.md).
 *
 * Header choices: sform and qform both hold the affine with code 1 (scanner anatomical); pixdim[1..3] =
 * the affine's column norms = spacingMm (checked); xyzt_units = mm; cal_min/cal_max = data range;
 * scl_slope 1, scl_inter 0 (values stored as is). Masks: uint8 with intent NIFTI_INTENT_LABEL (1002),
 * images: float32. An affine with shear cannot be a qform: then qform_code = 0 and only the sform holds it.
 */
import { gzipSync } from 'node:zlib';
import { type Affine, affineToQuatern, checkAffine, checkSpacing, makeCenteredRasAffine } from './affine.ts';
import { NIFTI_INTENT_LABEL, NIFTI_UNITS_MM, NIFTI_XFORM_SCANNER_ANAT } from './datatypes.ts';
import { NiftiError } from './errors.ts';

export interface WriteNiftiInput {
  /** Voxels, C-order [D, H, W] (W fastest). Float32Array for images, Uint8Array for label masks. */
  data: Float32Array | Uint8Array;
  shapeDHW: readonly [number, number, number] | readonly number[];
  /** [sx, sy, sz] in mm along x (W), y (H), z (D). */
  spacingMm: readonly number[];
  /** Voxel -> world (mm). Default: makeCenteredRasAffine([W, H, D], spacingMm). */
  affine?: Affine;
  /** 'label' sets NIFTI_INTENT_LABEL (data must be Uint8Array). Default 'none'. */
  intent?: 'label' | 'none';
  /** Up to 79 ASCII characters (header descrip). */
  description?: string;
  /** gzip level 0-9, default 6. */
  gzipLevel?: number;
}

export const NIFTI1_HEADER_BYTES = 348;
export const NIFTI1_VOX_OFFSET = 352;

function writeAscii(dv: DataView, offset: number, text: string, maxLen: number): void {
  for (let i = 0; i < Math.min(text.length, maxLen); i++) dv.setUint8(offset + i, text.charCodeAt(i));
}

/** The uncompressed .nii bytes (header + extension flag + voxels). */
export function encodeNifti1(input: WriteNiftiInput): Uint8Array {
  const { data, shapeDHW, spacingMm } = input;
  const intent = input.intent ?? 'none';
  if (shapeDHW.length !== 3 || shapeDHW.some((n) => !Number.isInteger(n) || n < 1 || n > 32767)) {
    throw new NiftiError(
      'INVALID_ARGUMENT',
      `shapeDHW = [${shapeDHW.join(', ')}] must be three integers in [1, 32767] ([D, H, W]; NIfTI-1 dims are int16)`,
    );
  }
  const [D, H, W] = shapeDHW as [number, number, number];
  if (data.length !== D * H * W) {
    throw new NiftiError('INVALID_ARGUMENT', `data has ${data.length} values but shapeDHW [${D}, ${H}, ${W}] needs ${D * H * W}`);
  }
  const isU8 = data instanceof Uint8Array;
  if (!isU8 && !(data instanceof Float32Array)) {
    throw new NiftiError('INVALID_ARGUMENT', 'data must be a Float32Array (image) or a Uint8Array (label mask)');
  }
  if (intent !== 'label' && intent !== 'none') {
    throw new NiftiError('INVALID_ARGUMENT', `intent = '${String(intent)}'; allowed: 'label', 'none'`);
  }
  if (intent === 'label' && !isU8) {
    throw new NiftiError('INVALID_ARGUMENT', "intent 'label' needs a Uint8Array (label indices), got a Float32Array");
  }
  checkSpacing(spacingMm);
  const description = input.description ?? '';
  if (description.length > 79 || /[^\x20-\x7e]/.test(description)) {
    throw new NiftiError('INVALID_ARGUMENT', `description must be at most 79 printable ASCII characters (got ${description.length})`);
  }
  const affine = input.affine ?? makeCenteredRasAffine([W, H, D], spacingMm);
  checkAffine('affine', affine);
  const norms = [0, 1, 2].map((j) => Math.hypot(affine[0]![j]!, affine[1]![j]!, affine[2]![j]!));
  for (let j = 0; j < 3; j++) {
    if (Math.abs(norms[j]! - spacingMm[j]!) > 1e-4 * spacingMm[j]!) {
      throw new NiftiError(
        'INVALID_ARGUMENT',
        `affine column ${j} has length ${norms[j]} mm but spacingMm[${j}] = ${spacingMm[j]}: they must agree (pixdim = voxel size)`,
      );
    }
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) {
      throw new NiftiError('INVALID_ARGUMENT', `data[${i}] = ${v} is not finite; refusing to write NaN/Inf voxels`);
    }
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const q = affineToQuatern(affine);

  const bytesPer = isU8 ? 1 : 4;
  const out = new Uint8Array(NIFTI1_VOX_OFFSET + data.length * bytesPer);
  const dv = new DataView(out.buffer);
  const le = true;
  dv.setInt32(0, NIFTI1_HEADER_BYTES, le); // sizeof_hdr
  dv.setUint8(38, 'r'.charCodeAt(0)); // regular (unused by NIfTI, kept as ANALYZE tools expect)
  const dim = [3, W, H, D, 1, 1, 1, 1];
  dim.forEach((v, i) => dv.setInt16(40 + 2 * i, v, le));
  dv.setInt16(68, intent === 'label' ? NIFTI_INTENT_LABEL : 0, le); // intent_code
  dv.setInt16(70, isU8 ? 2 : 16, le); // datatype: NIFTI_TYPE_UINT8 / FLOAT32
  dv.setInt16(72, bytesPer * 8, le); // bitpix
  const pixdim = [q?.qfac ?? 1, spacingMm[0]!, spacingMm[1]!, spacingMm[2]!, 1, 1, 1, 1];
  pixdim.forEach((v, i) => dv.setFloat32(76 + 4 * i, v, le));
  dv.setFloat32(108, NIFTI1_VOX_OFFSET, le); // vox_offset
  dv.setFloat32(112, 1, le); // scl_slope
  dv.setFloat32(116, 0, le); // scl_inter
  dv.setUint8(123, NIFTI_UNITS_MM); // xyzt_units: spatial mm, time unknown
  dv.setFloat32(124, hi, le); // cal_max
  dv.setFloat32(128, lo, le); // cal_min
  writeAscii(dv, 148, description, 79); // descrip[80]
  dv.setInt16(252, q ? NIFTI_XFORM_SCANNER_ANAT : 0, le); // qform_code
  dv.setInt16(254, NIFTI_XFORM_SCANNER_ANAT, le); // sform_code
  if (q) {
    dv.setFloat32(256, q.b, le);
    dv.setFloat32(260, q.c, le);
    dv.setFloat32(264, q.d, le);
    dv.setFloat32(268, q.qoffset[0], le);
    dv.setFloat32(272, q.qoffset[1], le);
    dv.setFloat32(276, q.qoffset[2], le);
  }
  for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) dv.setFloat32(280 + 16 * r + 4 * c, affine[r]![c]!, le);
  if (intent === 'label') writeAscii(dv, 328, 'label', 15); // intent_name[16]
  writeAscii(dv, 344, 'n+1\0', 4); // magic
  // bytes 348-351: extension flag 0 (no extensions)
  if (isU8) {
    out.set(data as Uint8Array, NIFTI1_VOX_OFFSET);
  } else {
    const f = data as Float32Array;
    for (let i = 0; i < f.length; i++) dv.setFloat32(NIFTI1_VOX_OFFSET + 4 * i, f[i]!, le);
  }
  return out;
}

/** Gzipped NIfTI-1 (.nii.gz) bytes for one 3D volume. */
export function writeNifti(input: WriteNiftiInput): Buffer {
  const level = input.gzipLevel ?? 6;
  if (!(Number.isInteger(level) && level >= 0 && level <= 9)) {
    throw new NiftiError('INVALID_ARGUMENT', `gzipLevel = ${level} must be an integer in [0, 9]`);
  }
  return gzipSync(encodeNifti1(input), { level });
}
