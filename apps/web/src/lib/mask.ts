// Where the tumour is in a mask volume (pure; the viewer opens there and "jump to lesion" goes back).
// Voxel order: x fastest, then y, then z (NIfTI), dims [X, Y, Z].

export interface MaskCentroid {
  /** Centroid of the mask voxels, rounded to a voxel [x, y, z]; null for an empty mask. */
  vox: [number, number, number] | null;
  count: number;
}

export function maskCentroid(img: ArrayLike<number>, dims: readonly [number, number, number]): MaskCentroid {
  const [X, Y, Z] = dims;
  if (img.length < X * Y * Z) throw new RangeError(`mask has ${img.length} voxels, expected ${X}x${Y}x${Z} = ${X * Y * Z}`);
  let n = 0;
  let sx = 0;
  let sy = 0;
  let sz = 0;
  for (let z = 0; z < Z; z++) {
    for (let y = 0; y < Y; y++) {
      const row = (z * Y + y) * X;
      for (let x = 0; x < X; x++) {
        if (img[row + x]! > 0) {
          n++;
          sx += x;
          sy += y;
          sz += z;
        }
      }
    }
  }
  if (n === 0) return { vox: null, count: 0 };
  // The rounded centroid of a crescent can fall outside it; prefer the nearest mask voxel then.
  const c: [number, number, number] = [Math.round(sx / n), Math.round(sy / n), Math.round(sz / n)];
  if (img[(c[2] * Y + c[1]) * X + c[0]]! > 0) return { vox: c, count: n };
  let best: [number, number, number] = c;
  let bestD = Infinity;
  for (let z = 0; z < Z; z++) {
    for (let y = 0; y < Y; y++) {
      for (let x = 0; x < X; x++) {
        if (img[(z * Y + y) * X + x]! > 0) {
          const d = (x - sx / n) ** 2 + (y - sy / n) ** 2 + (z - sz / n) ** 2;
          if (d < bestD) {
            bestD = d;
            best = [x, y, z];
          }
        }
      }
    }
  }
  return { vox: best, count: n };
}
