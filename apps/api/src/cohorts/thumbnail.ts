// An axial slice through a volume's tumour, as a small PNG for the cohort's thumbnail grid (pure).
//
// Axes: NIfTI data is x fastest, then y, then z (packages/nifti README): flat index = (z * Y + y) * X + x,
// RAS (x left -> right, y posterior -> anterior, z inferior -> superior). The picture is the axial plane in
// neurological convention, like the viewer: subject's right on the right (x left to right), anterior at the
// top (row = Y - 1 - y).
import { PNG } from 'pngjs';

export interface AxialThumbnail {
  /** The axial slice (z index) through the tumour's centroid; the middle slice when the mask is empty. */
  sliceIndex: number;
  /** Tumour voxels in the whole mask, and in the shown slice. */
  maskVoxels: number;
  sliceMaskVoxels: number;
  width: number;
  height: number;
  png: Buffer;
}

/** Outline of the mask in the slice (mask voxels with a non-mask 4-neighbour), RGB. */
const OUTLINE = [255, 48, 48] as const;
/** Interior of the mask: the grey value blended towards red by this much. */
const FILL_ALPHA = 0.35;

export function axialThumbnail(image: ArrayLike<number>, mask: ArrayLike<number>, dimsXyz: readonly [number, number, number]): AxialThumbnail {
  const [X, Y, Z] = dimsXyz;
  const n = X * Y * Z;
  if (image.length !== n || mask.length !== n) throw new RangeError(`image (${image.length}) and mask (${mask.length}) must both have ${X}x${Y}x${Z} = ${n} voxels`);
  let count = 0;
  let sumZ = 0;
  for (let i = 0; i < n; i++) {
    if (mask[i]! > 0) {
      count++;
      sumZ += Math.floor(i / (X * Y));
    }
  }
  const z = count > 0 ? Math.min(Z - 1, Math.round(sumZ / count)) : Math.floor(Z / 2);
  const base = z * X * Y;
  // Window: the slice's 1st..99th percentile, so one bright voxel does not wash the picture out.
  const values = Array.from({ length: X * Y }, (_, i) => image[base + i]!).sort((a, b) => a - b);
  const lo = values[Math.floor(0.01 * (values.length - 1))]!;
  const hi = values[Math.ceil(0.99 * (values.length - 1))]!;
  const span = hi > lo ? hi - lo : 1;
  const png = new PNG({ width: X, height: Y });
  const inMask = (x: number, y: number) => x >= 0 && x < X && y >= 0 && y < Y && mask[base + y * X + x]! > 0;
  let sliceMask = 0;
  for (let y = 0; y < Y; y++) {
    for (let x = 0; x < X; x++) {
      const g = Math.round(255 * Math.min(1, Math.max(0, (image[base + y * X + x]! - lo) / span)));
      const o = ((Y - 1 - y) * X + x) * 4;
      let rgb: readonly number[] = [g, g, g];
      if (inMask(x, y)) {
        sliceMask++;
        const edge = !inMask(x - 1, y) || !inMask(x + 1, y) || !inMask(x, y - 1) || !inMask(x, y + 1);
        rgb = edge ? OUTLINE : [g + FILL_ALPHA * (OUTLINE[0] - g), g * (1 - FILL_ALPHA), g * (1 - FILL_ALPHA)].map(Math.round);
      }
      png.data[o] = rgb[0]!;
      png.data[o + 1] = rgb[1]!;
      png.data[o + 2] = rgb[2]!;
      png.data[o + 3] = 255;
    }
  }
  return { sliceIndex: z, maskVoxels: count, sliceMaskVoxels: sliceMask, width: X, height: Y, png: PNG.sync.write(png) };
}
