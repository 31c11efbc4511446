/** NIfTI datatype codes (nifti1.h, NIFTI_TYPE_*) that this package reads. */
export type NiftiTypedArray =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array;

export type NiftiDatatype = 'uint8' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64';

interface DatatypeInfo {
  name: NiftiDatatype;
  bytes: number;
  create: (n: number) => NiftiTypedArray;
}

export const SUPPORTED_DATATYPES: ReadonlyMap<number, DatatypeInfo> = new Map<number, DatatypeInfo>([
  [2, { name: 'uint8', bytes: 1, create: (n) => new Uint8Array(n) }],
  [256, { name: 'int8', bytes: 1, create: (n) => new Int8Array(n) }],
  [4, { name: 'int16', bytes: 2, create: (n) => new Int16Array(n) }],
  [512, { name: 'uint16', bytes: 2, create: (n) => new Uint16Array(n) }],
  [8, { name: 'int32', bytes: 4, create: (n) => new Int32Array(n) }],
  [768, { name: 'uint32', bytes: 4, create: (n) => new Uint32Array(n) }],
  [16, { name: 'float32', bytes: 4, create: (n) => new Float32Array(n) }],
  [64, { name: 'float64', bytes: 8, create: (n) => new Float64Array(n) }],
]);

/** Names of the codes we refuse, for error messages. */
export const UNSUPPORTED_DATATYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'unknown'],
  [1, 'binary (1 bit)'],
  [32, 'complex64'],
  [128, 'rgb24'],
  [1024, 'int64'],
  [1280, 'uint64'],
  [1536, 'float128'],
  [1792, 'complex128'],
  [2048, 'complex256'],
  [2304, 'rgba32'],
]);

/** NIFTI_INTENT_LABEL: voxel values are label indices (nifti1.h). */
export const NIFTI_INTENT_LABEL = 1002;
/** NIFTI_UNITS_MM in xyzt_units. */
export const NIFTI_UNITS_MM = 2;
/** NIFTI_XFORM_SCANNER_ANAT. */
export const NIFTI_XFORM_SCANNER_ANAT = 1;
