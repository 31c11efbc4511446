// Downloads of generated files: GET /files/volumes/:volumeId/(image|mask).nii.gz, with a session
// cookie or a Bearer token, and the same permission check as the volume's GraphQL query. Keys come
// from the database, never from the URL, so no path can reach another team's files.
import { pipeline } from 'node:stream/promises';
import express, { type Request, type Response } from 'express';
import { AccessService } from '../auth/access.service.ts';
import type { Actor } from '../auth/actor.ts';
import { DomainError } from '../common/errors.ts';
import { mapCode } from '../graphql/errors.ts';
import type { Services } from '../services.ts';
import { redirectToObject } from './redirect.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function filesRouter(services: Services, resolveActor: (req: Request) => Promise<Actor | null>, opts: { presignSeconds: number } = { presignSeconds: 0 }) {
  const router = express.Router();
  router.get('/files/volumes/:volumeId/:file', async (req: Request, res: Response) => {
    const requestId = String(res.locals.requestId);
    try {
      const { volumeId, file } = req.params as { volumeId: string; file: string };
      if (!UUID.test(volumeId) || (file !== 'image.nii.gz' && file !== 'mask.nii.gz')) {
        res.status(404).json({ error: 'not found', requestId });
        return;
      }
      const access = new AccessService(await resolveActor(req), services.authRepo);
      const v = await services.cohorts.getVolume({ requestId, access }, volumeId);
      const key = file === 'image.nii.gz' ? v.imageKey : v.maskKey;
      const sha = file === 'image.nii.gz' ? v.imageSha256 : v.maskSha256;
      if (!key || !sha) {
        res.status(404).json({ error: `volume ${v.subjectIndex} has no ${file} yet (status ${v.status})`, requestId });
        return;
      }
      const stat = await services.storage.stat(key);
      if (!stat) {
        res.status(410).json({ error: `the stored ${file} is missing from storage`, requestId });
        return;
      }
      const filename = `cohort-${v.cohortId.slice(0, 8)}-sub-${String(v.subjectIndex).padStart(4, '0')}_${file}`;
      if (await redirectToObject(services.storage, opts.presignSeconds, req, res, { key, filename, sha256: sha, bytes: stat.bytes, contentType: 'application/gzip' })) return;
      res.setHeader('content-type', 'application/gzip');
      res.setHeader('content-length', String(stat.bytes));
      res.setHeader('etag', `"${sha}"`);
      res.setHeader('x-content-sha256', sha);
      res.setHeader('content-disposition', `attachment; filename="${filename}"`);
      await pipeline(await services.storage.get(key), res);
    } catch (err) {
      if (err instanceof DomainError) {
        const m = mapCode(err.code);
        res.status(m.http).json({ error: err.message, code: m.code, requestId });
        return;
      }
      throw err;
    }
  });
  return router;
}
