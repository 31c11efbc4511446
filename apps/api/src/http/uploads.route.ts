// Reference-mask uploads: POST /uploads/projects/:projectId/reference-masks?modelId=…&filename=…[&labels=merge]
// with the NIfTI (.nii or .nii.gz) as the raw request body. The body is streamed with a hard size
// limit (MAX_UPLOAD_BYTES); answers { referenceFile } or { userErrors } (nothing stored).
import express, { type Request, type Response } from 'express';
import { AccessService } from '../auth/access.service.ts';
import type { Actor } from '../auth/actor.ts';
import { DomainError, ValidationFailed } from '../common/errors.ts';
import { mapCode } from '../graphql/errors.ts';
import { fromGlobalId, toGlobalId } from '../graphql/relay.ts';
import type { Services } from '../services.ts';

export function uploadsRouter(services: Services, resolveActor: (req: Request) => Promise<Actor | null>) {
  const router = express.Router();
  router.post('/uploads/projects/:projectId/reference-masks', async (req: Request, res: Response) => {
    const requestId = String(res.locals.requestId);
    try {
      const q = req.query as Record<string, string | undefined>;
      const access = new AccessService(await resolveActor(req), services.authRepo);
      const projectId = fromGlobalId(String(req.params.projectId), 'Project').id;
      if (!q.modelId) throw new ValidationFailed([{ field: ['modelId'], message: 'modelId (query parameter) is required: the model grid to resample onto', code: 'REQUIRED' }]);
      const row = await services.references.upload(
        { requestId, access },
        { projectId, modelId: fromGlobalId(q.modelId, 'Model').id, filename: q.filename ?? 'mask.nii.gz', mergeLabels: q.labels === 'merge', body: req },
      );
      const f = row.features as { normalised?: number[]; physical?: unknown };
      res.status(201).json({
        referenceFile: { id: toGlobalId('ReferenceFile', row.id), rawId: row.id, sha256: row.sha256, filename: row.filename, bytes: row.bytes, features: f.normalised, physical: f.physical },
        requestId,
      });
    } catch (err) {
      // An over-size upload is cut off mid-stream: the connection cannot be reused.
      if (!req.complete) res.setHeader('connection', 'close');
      if (err instanceof ValidationFailed) {
        res.status(400).json({ userErrors: err.userErrors, requestId });
        return;
      }
      if (err instanceof DomainError) {
        const m = mapCode(err.code);
        res.status(m.http).json({ errors: [{ message: err.message, code: m.code }], requestId });
        return;
      }
      throw err;
    }
  });
  return router;
}
