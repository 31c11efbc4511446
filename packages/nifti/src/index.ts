export { NiftiError, type NiftiErrorCode } from './errors.ts';
export {
  NIFTI_INTENT_LABEL,
  NIFTI_UNITS_MM,
  SUPPORTED_DATATYPES,
  type NiftiDatatype,
  type NiftiTypedArray,
} from './datatypes.ts';
export {
  affineToQuatern,
  invertAffine,
  makeCenteredRasAffine,
  multiply4,
  quaternToAffine,
  type Affine,
  type Quatern,
} from './affine.ts';
export {
  DEFAULT_MAX_UNCOMPRESSED_BYTES,
  isGzip,
  parseNifti,
  readNifti,
  scaledFloat32,
  type NiftiHeaderInfo,
  type NiftiVolume,
  type ReadOptions,
} from './read.ts';
export { decodeNiftiStream, readNiftiFromStream, type DecodedNifti, type StreamReadOptions } from './stream.ts';
export { NIFTI1_VOX_OFFSET, encodeNifti1, writeNifti, type WriteNiftiInput } from './write.ts';
export { resampleToGrid, type ResampleOptions } from './resample.ts';
