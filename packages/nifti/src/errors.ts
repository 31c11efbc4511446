/** Why a NIfTI file or a write request was refused. */
export type NiftiErrorCode =
  | 'NOT_NIFTI' // wrong sizeof_hdr / magic: not a NIfTI-1/2 single file
  | 'UNSUPPORTED_FORMAT' // a NIfTI variant we do not read (hdr/img pair)
  | 'INVALID_HEADER' // a header field is out of range (dim, vox_offset)
  | 'TRUNCATED' // the file ends before vox_offset + the voxel data (or inside the gzip stream)
  | 'CORRUPT_GZIP' // the gzip stream cannot be decompressed
  | 'NOT_3D' // a 3D volume was required and the file has t > 1 (or more dimensions)
  | 'UNSUPPORTED_DATATYPE' // complex, RGB, 64-bit integers, float128, ...
  | 'TOO_LARGE_COMPRESSED' // the file as sent (compressed or not) is over maxBytes
  | 'TOO_LARGE_DECOMPRESSED' // what it decodes to is over maxUncompressedBytes / maxVoxels / maxInflationRatio
  | 'INVALID_ARGUMENT'; // a bad argument to writeNifti / resampleToGrid

export class NiftiError extends Error {
  override readonly name = 'NiftiError';
  constructor(
    readonly code: NiftiErrorCode,
    message: string,
  ) {
    super(message);
  }
}
