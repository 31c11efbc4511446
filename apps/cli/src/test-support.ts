// Re-exports for tests (kept out of index.ts).
import type { Storage } from '@slicewise/storage';

export { MANIFEST_SCHEMA_V1, buildDocuments, buildManifest, documentFiles, manifestBytes, manifestHash, type Manifest, type ManifestV1 } from '@slicewise/datasets';

export async function readAllTest(storage: Storage, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await storage.get(key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
