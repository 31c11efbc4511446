// Downloads straight from object storage: a client that sends `x-slicewise-accept-redirect: presigned`
// (or `?redirect=presigned`) gets 302 to a short-lived presigned URL of the object instead of the bytes
// through the API, when the storage can presign (S3) and S3_PRESIGN_SECONDS > 0. The permission check
// has already run; the URL grants this one object for those seconds. The expected sha256 and size ride on
// the redirect so the client can verify what the bucket sends. Other clients (browsers, the viewer) are
// streamed as before, so no bucket CORS or public endpoint is needed for them.
import type { Request, Response } from 'express';
import type { Storage } from '@slicewise/storage';

export const ACCEPT_REDIRECT_HEADER = 'x-slicewise-accept-redirect';

export function acceptsPresignedRedirect(req: Request): boolean {
  return req.header(ACCEPT_REDIRECT_HEADER) === 'presigned' || req.query.redirect === 'presigned';
}

/** true when the response was a redirect (nothing else to send). */
export async function redirectToObject(
  storage: Storage,
  presignSeconds: number,
  req: Request,
  res: Response,
  file: { key: string; filename: string; sha256: string; bytes: number; contentType: string },
): Promise<boolean> {
  if (!storage.presignGet || presignSeconds <= 0 || !acceptsPresignedRedirect(req)) return false;
  const url = await storage.presignGet(file.key, { expiresSeconds: presignSeconds, filename: file.filename, contentType: file.contentType });
  res.setHeader('cache-control', 'no-store');
  res.setHeader('x-content-sha256', file.sha256);
  res.setHeader('x-content-length', String(file.bytes));
  res.redirect(302, url);
  return true;
}
