// Dataset version downloads, for people (session) and pipelines (Bearer token):
//   /datasets/versions/:versionId/{manifest.json, files/<path>, export.tar}
//   /datasets/:project/:dataset@:ref/{manifest.json, files/<path>, export.tar}   (`slicewise pull`)
//   /datasets/signed/:versionId/export.tar?expires=…&signature=…                  (short-lived link)
// The export is an uncompressed tar of known length, so it supports HTTP Range (resumable).
// File paths are looked up in the manifest, never joined onto a folder: no traversal is possible.
import { pipeline } from 'node:stream/promises';
import express, { type Request, type Response } from 'express';
import { archiveSize, buildDocuments, documentFiles, DOCUMENTS_REVISION, writeExportArchive, type Manifest } from '@slicewise/datasets';
import { AccessService } from '../auth/access.service.ts';
import type { Actor } from '../auth/actor.ts';
import { DomainError, ErrorCode } from '../common/errors.ts';
import type { RequestScope } from '../common/request-scope.ts';
import { mapCode } from '../graphql/errors.ts';
import { fromGlobalId } from '../graphql/relay.ts';
import type { Services } from '../services.ts';
import type { DatasetVersionRow } from '../datasets/dataset.repository.ts';
import { verifyExport } from '../datasets/export-link.ts';
import { redirectToObject } from './redirect.ts';

export function datasetsRouter(services: Services, resolveActor: (req: Request) => Promise<Actor | null>, opts: { signingSecret: string; codeRevision: string | null; presignSeconds?: number }) {
  const router = express.Router();

  const scopeOf = async (req: Request, res: Response): Promise<RequestScope> => ({
    requestId: String(res.locals.requestId),
    access: new AccessService(await resolveActor(req), services.authRepo),
  });

  async function byRef(req: Request, res: Response): Promise<DatasetVersionRow> {
    const scope = await scopeOf(req, res);
    const { project, ref } = req.params as { project: string; ref: string };
    const at = ref.indexOf('@');
    if (at <= 0 || at === ref.length - 1) throw new DomainError(ErrorCode.BAD_INPUT, `"${ref}" is not <dataset>@<tag-or-hash>`, { field: 'ref' });
    let projectId: string;
    try {
      projectId = fromGlobalId(project, 'Project').id; // a global id
    } catch {
      projectId = (await services.datasets.projectBySlug(scope, project)).id; // a slug
    }
    const p = { id: projectId };
    return services.datasets.resolve(scope, p.id, ref.slice(0, at), ref.slice(at + 1));
  }
  async function byId(req: Request, res: Response): Promise<DatasetVersionRow> {
    return services.datasets.get(await scopeOf(req, res), fromGlobalId(String(req.params.versionId), 'DatasetVersion').id);
  }

  async function documents(v: DatasetVersionRow, m: Manifest, tag: string | null) {
    const pairs = [...new Map(m.cohorts.map((c) => [`${c.model.name}@${c.model.version}`, { name: c.model.name, version: c.model.version }])).values()];
    const models = await services.models.cardsFor(pairs);
    return buildDocuments(m, { datasetName: v.dataset, tag, description: v.description, codeRevision: opts.codeRevision, publishedAt: v.createdAt.toISOString(), models });
  }

  /** The canonical bytes, whose sha256 is the version's identity (clients verify it). */
  const sendManifest = async (v: DatasetVersionRow, res: Response) => {
    const bytes = Buffer.from(v.manifestText, 'utf8');
    res.setHeader('x-manifest-sha256', v.manifestHash);
    res.setHeader('content-type', 'application/json');
    res.send(bytes);
  };

  const sendFile = async (v: DatasetVersionRow, req: Request, res: Response) => {
    const rel = ([] as string[]).concat((req.params as Record<string, string | string[]>).path ?? []).join('/');
    const m = services.datasets.manifestOf(v);
    const file = m.files.find((f) => f.path === rel);
    if (file) {
      const filename = file.path.slice(file.path.lastIndexOf('/') + 1);
      if (await redirectToObject(services.storage, opts.presignSeconds ?? 0, req, res, { key: file.storageKey, filename, sha256: file.sha256, bytes: file.bytes, contentType: 'application/gzip' })) return;
      res.setHeader('content-type', 'application/gzip');
      res.setHeader('content-length', String(file.bytes));
      res.setHeader('x-content-sha256', file.sha256);
      res.setHeader('etag', `"${file.sha256}"`);
      await pipeline(await services.storage.get(file.storageKey), res);
      return;
    }
    const doc = documentFiles(m, await documents(v, m, null)).find((d) => d.path === rel);
    if (doc) {
      res.setHeader('content-type', 'application/json');
      res.send(doc.bytes);
      return;
    }
    res.status(404).json({ error: `${rel || '(empty path)'} is not a file of this dataset version`, requestId: res.locals.requestId });
  };

  const sendExport = async (v: DatasetVersionRow, req: Request, res: Response) => {
    const m = services.datasets.manifestOf(v);
    const docs = await documents(v, m, null);
    const total = archiveSize(m, docs);
    const name = `${v.dataset}-${v.manifestHash.slice(0, 12)}.tar`;
    res.setHeader('accept-ranges', 'bytes');
    res.setHeader('content-type', 'application/x-tar');
    res.setHeader('content-disposition', `attachment; filename="${name}"`);
    // the archive's bytes are the manifest's plus the derived documents': a new documents revision is a new ETag,
    // so a download resumed across an upgrade cannot splice old and new bytes
    res.setHeader('etag', `"${v.manifestHash}-d${DOCUMENTS_REVISION}"`);
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.header('range') ?? '');
    if (range && (range[1] || range[2])) {
      const start = range[1] ? Number(range[1]) : Math.max(0, total - Number(range[2]));
      const end = range[1] && range[2] ? Math.min(Number(range[2]), total - 1) : total - 1;
      if (start > end || start >= total) {
        res.status(416).setHeader('content-range', `bytes */${total}`).end();
        return;
      }
      res.status(206);
      res.setHeader('content-range', `bytes ${start}-${end}/${total}`);
      res.setHeader('content-length', String(end - start + 1));
      await writeExportArchive(m, docs, services.storage, res, { range: { start, end } });
      return;
    }
    res.setHeader('content-length', String(total));
    await writeExportArchive(m, docs, services.storage, res);
  };

  const handle = (load: (req: Request, res: Response) => Promise<DatasetVersionRow>, send: (v: DatasetVersionRow, req: Request, res: Response) => Promise<void>) => async (req: Request, res: Response) => {
    try {
      await send(await load(req, res), req, res);
    } catch (err) {
      if (res.headersSent) {
        res.destroy(err as Error);
        return;
      }
      if (err instanceof DomainError) {
        const m = mapCode(err.code);
        res.status(m.http).json({ error: err.message, code: m.code, requestId: res.locals.requestId });
        return;
      }
      throw err;
    }
  };

  router.get('/datasets/versions/:versionId/manifest.json', handle(byId, (v, _q, res) => sendManifest(v, res)));
  router.get('/datasets/versions/:versionId/files/*path', handle(byId, sendFile));
  router.get('/datasets/versions/:versionId/export.tar', handle(byId, sendExport));
  router.get(
    '/datasets/signed/:versionId/export.tar',
    handle(async (req) => {
      const id = fromGlobalId(String(req.params.versionId), 'DatasetVersion').id;
      const expires = Number(req.query.expires);
      const sig = String(req.query.signature ?? '');
      if (!verifyExport(opts.signingSecret, id, expires, sig)) throw new DomainError(ErrorCode.UNAUTHENTICATED, 'This download link is invalid or has expired; ask for a new one');
      const v = await services.datasets.getUnchecked(id);
      if (!v) throw new DomainError(ErrorCode.NOT_FOUND, 'dataset version not found');
      return v;
    }, sendExport),
  );
  router.get('/datasets/:project/:ref/manifest.json', handle(byRef, (v, _q, res) => sendManifest(v, res)));
  router.get('/datasets/:project/:ref/files/*path', handle(byRef, sendFile));
  router.get('/datasets/:project/:ref/export.tar', handle(byRef, sendExport));
  return router;
}
