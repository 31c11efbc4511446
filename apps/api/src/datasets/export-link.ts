// Short-lived download links that need no credentials and cannot be altered: HMAC-SHA256 over what the link
// may fetch, the version id and the expiry. Two kinds, never interchangeable: the export archive
// (createExportLink) and any file of a version (handed out with its manifest, so a client pulling hundreds
// of files costs the API no database query per file). Shared by the code that signs and the route that
// verifies.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type LinkPurpose = 'export' | 'files';

function sign(secret: string, purpose: LinkPurpose, versionId: string, expiresUnixSeconds: number): string {
  return createHmac('sha256', secret).update(`${purpose}:${versionId}:${expiresUnixSeconds}`).digest('base64url');
}

function verify(secret: string, purpose: LinkPurpose, versionId: string, expiresUnixSeconds: number, signature: string, nowMs: number): boolean {
  if (!Number.isFinite(expiresUnixSeconds) || expiresUnixSeconds * 1000 <= nowMs) return false;
  const want = Buffer.from(sign(secret, purpose, versionId, expiresUnixSeconds));
  const got = Buffer.from(signature, 'utf8'); // compare bytes: a multibyte character must not reach timingSafeEqual with another length
  return got.length === want.length && timingSafeEqual(got, want);
}

export function signExport(secret: string, versionId: string, expiresUnixSeconds: number): string {
  return sign(secret, 'export', versionId, expiresUnixSeconds);
}

/** True when the link is unexpired and its signature is the one this server would make (constant time). */
export function verifyExport(secret: string, versionId: string, expiresUnixSeconds: number, signature: string, nowMs = Date.now()): boolean {
  return verify(secret, 'export', versionId, expiresUnixSeconds, signature, nowMs);
}

/** A link to any file of the version (`/datasets/signed/<id>/files/<path>`). */
export function signFiles(secret: string, versionId: string, expiresUnixSeconds: number): string {
  return sign(secret, 'files', versionId, expiresUnixSeconds);
}

export function verifyFiles(secret: string, versionId: string, expiresUnixSeconds: number, signature: string, nowMs = Date.now()): boolean {
  return verify(secret, 'files', versionId, expiresUnixSeconds, signature, nowMs);
}
