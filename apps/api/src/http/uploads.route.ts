// Reference-mask uploads: POST /uploads/projects/:projectId/reference-masks?modelId=…&filename=…[&labels=merge]
// with the NIfTI (.nii or .nii.gz) as the raw request body. The body is streamed and bounded by what
// it decodes to (reference.service.ts); answers 201 { referenceFile }, 400 { userErrors }, or 413
// { errors: [{ code: PAYLOAD_TOO_LARGE, reason: TOO_LARGE_COMPRESSED | TOO_LARGE_DECOMPRESSED }] }.
import express, { type Request, type Response } from 'express';
import { AccessService } from '../auth/access.service.ts';
import type { Actor } from '../auth/actor.ts';
import { DomainError, ErrorCode, ValidationFailed } from '../common/errors.ts';
import { badText } from '../common/input-hygiene.ts';
import { mapCode } from '../graphql/errors.ts';
import { fromGlobalId, toGlobalId } from '../graphql/relay.ts';
import type { Services } from '../services.ts';

export function uploadsRouter(services: Services, resolveActor: (req: Request) => Promise<Actor | null>, limits: { maxUploadBytes: number; signalOf: (req: Request, res: Response) => AbortSignal }) {
  const router = express.Router();
  router.post('/uploads/projects/:projectId/reference-masks', async (req: Request, res: Response) => {
    const requestId = String(res.locals.requestId);
    try {
      const q = req.query as Record<string, unknown>;
      for (const k of ['modelId', 'filename', 'labels']) {
        if (q[k] !== undefined && typeof q[k] !== 'string') throw new ValidationFailed([{ field: [k], message: `${k} must be given once, as text`, code: 'INVALID' }]);
      }
      const filename = (q.filename as string | undefined) ?? 'mask.nii.gz';
      const bad = badText(filename);
      if (bad) throw new ValidationFailed([{ field: ['filename'], message: `filename ${bad}`, code: 'INVALID' }]);
      // A declared length over the limit is refused before reading a byte (and before any lookup).
      const declared = Number(req.header('content-length'));
      if (Number.isFinite(declared) && declared > limits.maxUploadBytes) {
        throw new DomainError(ErrorCode.PAYLOAD_TOO_LARGE, `the upload is ${declared} bytes, over MAX_UPLOAD_BYTES = ${limits.maxUploadBytes} bytes as sent`, { field: 'file', reason: 'TOO_LARGE_COMPRESSED', limit: limits.maxUploadBytes });
      }
      const access = new AccessService(await resolveActor(req), services.authRepo);
      const projectId = fromGlobalId(String(req.params.projectId), 'Project').id;
      if (!q.modelId) throw new ValidationFailed([{ field: ['modelId'], message: 'modelId (query parameter) is required: the model grid to resample onto', code: 'REQUIRED' }]);
      const row = await services.references.upload(
        { requestId, access, signal: limits.signalOf(req, res) },
        { projectId, modelId: fromGlobalId(q.modelId as string, 'Model').id, filename, mergeLabels: q.labels === 'merge', body: req },
      );
      const f = row.features as { normalised?: number[]; physical?: unknown };
      res.status(201).json({
        referenceFile: { id: toGlobalId('ReferenceFile', row.id), rawId: row.id, sha256: row.sha256, filename: row.filename, bytes: row.bytes, features: f.normalised, physical: f.physical },
        requestId,
      });
    } catch (err) {
      const pending = !req.complete;
      if (pending) res.setHeader('connection', 'close');
      if (err instanceof ValidationFailed) {
        res.status(400).json({ userErrors: err.userErrors, requestId });
      } else if (err instanceof DomainError) {
        const m = mapCode(err.code);
        if (err.code === ErrorCode.BUSY) res.setHeader('retry-after', '2');
        res.status(m.http).json({ errors: [{ message: err.message, code: m.code, ...err.details }], requestId });
      } else {
        throw err;
      }
      // A refused upload may still be arriving: let the client read the answer by draining what is
      // left, up to the limit; past it the connection is closed.
      if (pending) {
        let drained = 0;
        req.on('data', (c: Buffer) => {
          drained += c.length;
          if (drained > limits.maxUploadBytes) req.socket.destroy();
        });
        req.resume();
      }
    }
  });
  return router;
}
