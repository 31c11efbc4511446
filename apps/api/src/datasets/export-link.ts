// Short-lived export links (createExportLink): HMAC-SHA256 over the version id and expiry, so a link needs
// no credentials and cannot be altered. Shared by the mutation that signs and the route that verifies.
import { createHmac, timingSafeEqual } from 'node:crypto';

export function signExport(secret: string, versionId: string, expiresUnixSeconds: number): string {
  return createHmac('sha256', secret).update(`export:${versionId}:${expiresUnixSeconds}`).digest('base64url');
}

/** True when the link is unexpired and its signature is the one this server would make (constant time). */
export function verifyExport(secret: string, versionId: string, expiresUnixSeconds: number, signature: string, nowMs = Date.now()): boolean {
  if (!Number.isFinite(expiresUnixSeconds) || expiresUnixSeconds * 1000 <= nowMs) return false;
  const want = Buffer.from(signExport(secret, versionId, expiresUnixSeconds));
  const got = Buffer.from(signature, 'utf8'); // compare bytes: a multibyte character must not reach timingSafeEqual with another length
  return got.length === want.length && timingSafeEqual(got, want);
}
