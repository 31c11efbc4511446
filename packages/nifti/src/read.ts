/**
 * Reading NIfTI-1 and NIfTI-2 single files (.nii, .nii.gz; gzip detected by its magic bytes 1f 8b, never by
 * the file name). Header fields are parsed by nifti-reader-js; validation, the affine rule, byte order and
 * the voxel copy are ours.
 *
 * Voxel order: x (i) fastest, then y (j), then z (k) — for a 3D volume that is the C-order [Z, Y, X] =
 * [D, H, W] array of packages/conditioning/SPEC.md. `dims` is [X, Y, Z, ...] as in the header.
 *
 * Affine rule (NIfTI-1 standard, nibabel's `img.affine`): sform if sform_code > 0, else qform if
 * qform_code > 0, else diag(pixdim[1..3]) ("METHOD 1", no orientation known).
 */
import { readFile, stat } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { readHeader } from 'nifti-reader-js';
import { type Affine, quaternToAffine } from './affine.ts';
import {
  type NiftiDatatype,
  type NiftiTypedArray,
  SUPPORTED_DATATYPES,
  UNSUPPORTED_DATATYPE_NAMES,
} from './datatypes.ts';
import { NiftiError } from './errors.ts';

export interface NiftiHeaderInfo {
  version: 1 | 2;
  littleEndian: boolean;
  /** dim[0..7] as stored. */
  dim: number[];
  /** pixdim[0..7] as stored (pixdim[0] = qfac). */
  pixdim: number[];
  datatypeCode: number;
  bitpix: number;
  voxOffset: number;
  sclSlope: number;
  sclInter: number;
  calMin: number;
  calMax: number;
  xyztUnits: number;
  qformCode: number;
  sformCode: number;
  quatern: { b: number; c: number; d: number; qoffset: [number, number, number] };
  /** srow_x, srow_y, srow_z. */
  srow: [number[], number[], number[]];
  intentCode: number;
  intentName: string;
  description: string;
}

export interface NiftiVolume {
  header: NiftiHeaderInfo;
  /** [X, Y, Z, ...] (at least three entries; missing spatial dims are 1, as the standard says). */
  dims: number[];
  /** Raw stored values, x fastest (no scl_slope/scl_inter applied: see `scaledFloat32`). */
  data: NiftiTypedArray;
  datatype: NiftiDatatype;
  /** pixdim[1..3] in millimetres (converted from metres / microns when xyzt_units says so). */
  spacingMm: [number, number, number];
  /** Voxel (i, j, k) -> world, 4x4 row-major, in the file's spatial unit (see `affineSource`). */
  affine: Affine;
  affineSource: 'sform' | 'qform' | 'pixdim';
  intentCode: number;
}

export interface ReadOptions {
  /** Refuse volumes with any dimension beyond z larger than 1 (4D with t > 1). Default false. */
  require3D?: boolean;
  /** Refuse files whose decompressed size exceeds this (protects against gzip bombs). Default 1 GiB. */
  maxUncompressedBytes?: number;
  /** Refuse files (as stored, possibly compressed) larger than this. Default: no limit. */
  maxBytes?: number;
  /** Refuse volumes with more voxels than this (all dimensions), judged from the header. Default: no limit. */
  maxVoxels?: number;
}

export const DEFAULT_MAX_UNCOMPRESSED_BYTES = 1024 ** 3;
/** Accepted voxel sizes, in file units (mm, or m / um when xyzt_units says so): 1 nm to 1 km cover every unit. */
const MIN_SPACING = 1e-6;
const MAX_SPACING = 1e6;

const SPATIAL_UNIT_TO_MM: Record<number, number> = { 0: 1, 1: 1000, 2: 1, 3: 0.001 };

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Decompress (if gzip) with a bound on the output. */
export function gunzipIfNeeded(bytes: Uint8Array, maxUncompressedBytes: number): Uint8Array {
  if (!isGzip(bytes)) {
    if (bytes.length > maxUncompressedBytes) {
      throw new NiftiError('TOO_LARGE_DECOMPRESSED', `file is ${bytes.length} bytes, over the limit maxUncompressedBytes = ${maxUncompressedBytes}`);
    }
    return bytes;
  }
  try {
    return gunzipSync(bytes, { maxOutputLength: maxUncompressedBytes });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new NiftiError('TOO_LARGE_DECOMPRESSED', `decompressed data exceed maxUncompressedBytes = ${maxUncompressedBytes}`);
    }
    if (/unexpected end of file/i.test(err.message)) {
      throw new NiftiError('TRUNCATED', 'the gzip stream ends early: the .nii.gz file is truncated');
    }
    throw new NiftiError('CORRUPT_GZIP', `cannot decompress the gzip stream: ${err.message}`);
  }
}

export function detectVersion(b: Uint8Array): { version: 1 | 2; littleEndian: boolean } {
  if (b.length < 4) {
    throw new NiftiError('NOT_NIFTI', `file is ${b.length} bytes: too short to hold a NIfTI header (348 or 540 bytes)`);
  }
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const le = dv.getInt32(0, true);
  const be = dv.getInt32(0, false);
  const size = le === 348 || le === 540 ? le : be === 348 || be === 540 ? be : undefined;
  if (size === undefined) {
    throw new NiftiError(
      'NOT_NIFTI',
      `not a NIfTI file: sizeof_hdr is ${le} (little-endian) / ${be} (big-endian); NIfTI-1 has 348, NIfTI-2 has 540`,
    );
  }
  const littleEndian = size === le;
  if (b.length < size) {
    throw new NiftiError('TRUNCATED', `file is ${b.length} bytes but a NIfTI-${size === 348 ? 1 : 2} header needs ${size}`);
  }
  const magicAt = size === 348 ? 344 : 4;
  const magic = String.fromCharCode(b[magicAt]!, b[magicAt + 1]!, b[magicAt + 2]!);
  if (size === 348 && magic === 'ni1') {
    throw new NiftiError('UNSUPPORTED_FORMAT', "this is the header of a .hdr/.img pair (magic 'ni1'); upload a single .nii or .nii.gz file");
  }
  if ((size === 348 && magic !== 'n+1') || (size === 540 && magic !== 'n+2' && magic !== 'ni2')) {
    throw new NiftiError('NOT_NIFTI', `not a NIfTI file: magic is '${magic}', expected '${size === 348 ? 'n+1' : 'n+2'}'`);
  }
  if (magic === 'ni2') {
    throw new NiftiError('UNSUPPORTED_FORMAT', "this is a NIfTI-2 .hdr/.img pair header (magic 'ni2'); upload a single file");
  }
  return { version: size === 348 ? 1 : 2, littleEndian };
}

function readSrow(b: Uint8Array, version: 1 | 2, littleEndian: boolean): [number[], number[], number[]] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const rows: number[][] = [];
  for (let r = 0; r < 3; r++) {
    const row: number[] = [];
    for (let c = 0; c < 4; c++) {
      // NIfTI-1: float32 srow_x/y/z at 280/296/312; NIfTI-2: float64 at 400/432/464
      row.push(version === 1 ? dv.getFloat32(280 + 16 * r + 4 * c, littleEndian) : dv.getFloat64(400 + 32 * r + 8 * c, littleEndian));
    }
    rows.push(row);
  }
  return rows as [number[], number[], number[]];
}

/** Parse an in-memory NIfTI file (.nii or .nii.gz bytes). */
export function parseNifti(input: Uint8Array | ArrayBuffer, options: ReadOptions = {}): NiftiVolume {
  const raw = input instanceof Uint8Array ? input : new Uint8Array(input);
  if (options.maxBytes !== undefined && raw.length > options.maxBytes) {
    throw new NiftiError('TOO_LARGE_COMPRESSED', `file is ${raw.length} bytes, over the limit maxBytes = ${options.maxBytes}`);
  }
  const bytes = gunzipIfNeeded(raw, options.maxUncompressedBytes ?? DEFAULT_MAX_UNCOMPRESSED_BYTES);
  const { version, littleEndian } = detectVersion(bytes);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const voxOffsetRaw = version === 1 ? dv.getFloat32(108, littleEndian) : Number(dv.getBigInt64(168, littleEndian));
  const hdrSize = version === 1 ? 348 : 540;
  if (!(Number.isInteger(voxOffsetRaw) && voxOffsetRaw >= hdrSize)) {
    throw new NiftiError('INVALID_HEADER', `vox_offset = ${voxOffsetRaw} must be an integer >= ${hdrSize} for a single-file NIfTI-${version}`);
  }
  const headerEnd = Math.min(bytes.length, voxOffsetRaw);
  const headerBuf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + headerEnd) as ArrayBuffer;
  let h: ReturnType<typeof readHeader>;
  try {
    h = readHeader(headerBuf);
  } catch (e) {
    throw new NiftiError('INVALID_HEADER', `cannot parse the NIfTI header: ${(e as Error).message}`);
  }

  const dim = h.dims.slice(0, 8);
  const ndim = dim[0]!;
  if (!(Number.isInteger(ndim) && ndim >= 1 && ndim <= 7)) {
    throw new NiftiError('INVALID_HEADER', `dim[0] = ${ndim} must be in [1, 7] (number of dimensions)`);
  }
  const dims = dim.slice(1, 1 + ndim);
  if (dims.some((n) => !(Number.isInteger(n) && n >= 1))) {
    throw new NiftiError('INVALID_HEADER', `dim[1..${ndim}] = [${dims.join(', ')}] must all be integers >= 1`);
  }
  while (dims.length < 3) dims.push(1);
  if (options.require3D && dims.length > 3 && dims.slice(3).some((n) => n > 1)) {
    throw new NiftiError(
      'NOT_3D',
      `a 3D volume is required but dims are [${dims.join(', ')}] (t = ${dims[3]}); upload a single 3D volume (split 4D series first)`,
    );
  }
  const code = h.datatypeCode;
  const info = SUPPORTED_DATATYPES.get(code);
  if (info === undefined) {
    const allowed = [...SUPPORTED_DATATYPES.values()].map((d) => d.name).join(', ');
    throw new NiftiError(
      'UNSUPPORTED_DATATYPE',
      `datatype ${code} (${UNSUPPORTED_DATATYPE_NAMES.get(code) ?? 'unknown code'}) is not supported; allowed: ${allowed}`,
    );
  }
  const outDims = options.require3D ? dims.slice(0, 3) : dims;
  const count = dims.reduce((a, n) => a * n, 1);
  if (options.maxVoxels !== undefined && count > options.maxVoxels) {
    throw new NiftiError('TOO_LARGE_DECOMPRESSED', `dims [${dims.join(', ')}] hold ${count} voxels, over the limit maxVoxels = ${options.maxVoxels}`);
  }
  const nbytes = count * info.bytes;
  if (bytes.length < voxOffsetRaw + nbytes) {
    throw new NiftiError(
      'TRUNCATED',
      `file is truncated: ${bytes.length} bytes, but vox_offset ${voxOffsetRaw} + ${count} voxels x ${info.bytes} bytes needs ${voxOffsetRaw + nbytes}`,
    );
  }

  // Copy the voxels into an aligned array in platform order (little-endian on every supported platform).
  const data = info.create(count);
  const src = bytes.subarray(voxOffsetRaw, voxOffsetRaw + nbytes);
  const dst = new Uint8Array(data.buffer);
  if (littleEndian || info.bytes === 1) {
    dst.set(src);
  } else {
    const w = info.bytes;
    for (let i = 0; i < nbytes; i += w) for (let k = 0; k < w; k++) dst[i + k] = src[i + w - 1 - k]!;
  }

  const pixdim = h.pixDims.slice(0, 8);
  const srow = readSrow(bytes, version, littleEndian);
  const quatern = {
    b: h.quatern_b,
    c: h.quatern_c,
    d: h.quatern_d,
    qoffset: [h.qoffset_x, h.qoffset_y, h.qoffset_z] as [number, number, number],
  };
  const pd3: [number, number, number] = [pixdim[1] ?? 1, pixdim[2] ?? 1, pixdim[3] ?? 1];
  let affine: Affine;
  let affineSource: NiftiVolume['affineSource'];
  if (h.sform_code > 0) {
    affine = [...srow.map((r) => [...r]), [0, 0, 0, 1]];
    affineSource = 'sform';
  } else if (h.qform_code > 0) {
    affine = quaternToAffine(quatern.b, quatern.c, quatern.d, quatern.qoffset, pd3, pixdim[0]! < 0 ? -1 : 1);
    affineSource = 'qform';
  } else {
    affine = [
      [pd3[0], 0, 0, 0],
      [0, pd3[1], 0, 0],
      [0, 0, pd3[2], 0],
      [0, 0, 0, 1],
    ];
    affineSource = 'pixdim';
  }
  // Zero, NaN or absurd voxel sizes, or an affine that is not a finite invertible map, make every
  // later measurement meaningless: refuse them here, naming the field.
  for (let a = 0; a < 3; a++) {
    const d = pd3[a]!;
    if (affineSource === 'pixdim' || affineSource === 'qform') {
      if (!(Number.isFinite(d) && Math.abs(d) >= MIN_SPACING && Math.abs(d) <= MAX_SPACING)) {
        throw new NiftiError('INVALID_HEADER', `pixdim[${a + 1}] = ${d}: voxel sizes must be finite, in [${MIN_SPACING}, ${MAX_SPACING}] (file units)`);
      }
    }
  }
  if (!affine.flat().every(Number.isFinite)) {
    throw new NiftiError('INVALID_HEADER', `the ${affineSource} affine holds a non-finite value: [${affine.slice(0, 3).map((r) => r.join(', ')).join('; ')}]`);
  }
  const det3 =
    affine[0]![0]! * (affine[1]![1]! * affine[2]![2]! - affine[1]![2]! * affine[2]![1]!) -
    affine[0]![1]! * (affine[1]![0]! * affine[2]![2]! - affine[1]![2]! * affine[2]![0]!) +
    affine[0]![2]! * (affine[1]![0]! * affine[2]![1]! - affine[1]![1]! * affine[2]![0]!);
  const colNorms = [0, 1, 2].map((c) => Math.hypot(affine[0]![c]!, affine[1]![c]!, affine[2]![c]!));
  if (!(Math.abs(det3) >= MIN_SPACING ** 3) || colNorms.some((n) => n < MIN_SPACING || n > MAX_SPACING)) {
    throw new NiftiError('INVALID_HEADER', `the ${affineSource} affine is degenerate (voxel sizes ${colNorms.map((n) => +n.toPrecision(4)).join(' x ')}, determinant ${+det3.toPrecision(4)}); voxel sizes must be in [${MIN_SPACING}, ${MAX_SPACING}]`);
  }
  const unit = SPATIAL_UNIT_TO_MM[h.xyzt_units & 0x07] ?? 1;
  const header: NiftiHeaderInfo = {
    version,
    littleEndian,
    dim,
    pixdim,
    datatypeCode: code,
    bitpix: h.numBitsPerVoxel,
    voxOffset: voxOffsetRaw,
    sclSlope: h.scl_slope,
    sclInter: h.scl_inter,
    calMin: h.cal_min,
    calMax: h.cal_max,
    xyztUnits: h.xyzt_units,
    qformCode: h.qform_code,
    sformCode: h.sform_code,
    quatern,
    srow,
    intentCode: h.intent_code,
    intentName: h.intent_name,
    description: h.description,
  };
  return {
    header,
    dims: outDims,
    data,
    datatype: info.name,
    spacingMm: [pd3[0] * unit, pd3[1] * unit, pd3[2] * unit],
    affine,
    affineSource,
    intentCode: h.intent_code,
  };
}

/** Read a NIfTI file from a path or from bytes. */
export async function readNifti(input: string | Uint8Array | ArrayBuffer, options: ReadOptions = {}): Promise<NiftiVolume> {
  if (typeof input === 'string') {
    if (options.maxBytes !== undefined) {
      const { size } = await stat(input);
      if (size > options.maxBytes) {
        throw new NiftiError('TOO_LARGE_COMPRESSED', `${size} bytes on disk, over the limit maxBytes = ${options.maxBytes}`);
      }
    }
    return parseNifti(await readFile(input), options);
  }
  return parseNifti(input, options);
}

/**
 * Voxel values with the header scaling applied (value = scl_slope * stored + scl_inter; no scaling when
 * scl_slope is 0, as the standard says), as float32.
 */
export function scaledFloat32(volume: NiftiVolume): Float32Array {
  const { sclSlope, sclInter } = volume.header;
  const out = new Float32Array(volume.data.length);
  const scale = sclSlope !== 0 && Number.isFinite(sclSlope);
  const inter = scale && Number.isFinite(sclInter) ? sclInter : 0;
  for (let i = 0; i < out.length; i++) out[i] = scale ? volume.data[i]! * sclSlope + inter : volume.data[i]!;
  return out;
}
