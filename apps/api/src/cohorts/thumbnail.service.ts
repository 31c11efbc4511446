// Thumbnails of generated volumes, made on first request from the volume's files and kept in storage
// under a key derived from both files' sha256 (the files are immutable, so the thumbnail never goes stale).
import { parseNifti, scaledFloat32 } from '@slicewise/nifti';
import { readAll, type Storage } from '@slicewise/storage';
import { axialThumbnail, type AxialThumbnail } from './thumbnail.ts';

export type StoredThumbnail = Omit<AxialThumbnail, 'png'> & { pngBase64: string };

const VERSION = 'axial-v1';
/** Decoded thumbnails kept in memory (a few KB each). */
const MEMORY_ENTRIES = 2000;

export class ThumbnailService {
  private readonly memory = new Map<string, Promise<StoredThumbnail>>();

  constructor(private readonly storage: Storage) {}

  /** null while the volume has no files. */
  async ofVolume(v: { imageKey: string | null; maskKey: string | null; imageSha256: string | null; maskSha256: string | null }): Promise<StoredThumbnail | null> {
    if (!v.imageKey || !v.maskKey || !v.imageSha256 || !v.maskSha256) return null;
    const key = `thumbnails/${VERSION}/${v.imageSha256}-${v.maskSha256}.json`;
    let hit = this.memory.get(key);
    if (!hit) {
      hit = this.load(key, v.imageKey, v.maskKey);
      hit.catch(() => this.memory.delete(key));
      this.memory.set(key, hit);
      if (this.memory.size > MEMORY_ENTRIES) this.memory.delete(this.memory.keys().next().value!);
    }
    return hit;
  }

  private async load(key: string, imageKey: string, maskKey: string): Promise<StoredThumbnail> {
    if (await this.storage.exists(key)) return JSON.parse((await readAll(this.storage, key)).toString('utf8')) as StoredThumbnail;
    const [image, mask] = await Promise.all([readAll(this.storage, imageKey), readAll(this.storage, maskKey)]);
    const img = parseNifti(image, { require3D: true });
    const msk = parseNifti(mask, { require3D: true });
    const t = axialThumbnail(scaledFloat32(img), msk.data, img.dims as [number, number, number]);
    const { png, ...rest } = t;
    const stored: StoredThumbnail = { ...rest, pngBase64: png.toString('base64') };
    await this.storage.putAtomic(key, Buffer.from(JSON.stringify(stored)), { contentType: 'application/json' });
    return stored;
  }
}
