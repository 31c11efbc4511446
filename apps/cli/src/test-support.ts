// Re-exports for tests (kept out of index.ts).
import type { Storage } from '@slicewise/storage';

export { buildDocuments, buildManifest, documentFiles, manifestBytes, manifestHash, type Manifest } from '@slicewise/datasets';

export async function readAllTest(storage: Storage, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await storage.get(key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
