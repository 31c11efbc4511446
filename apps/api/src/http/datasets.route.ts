// Dataset version downloads, for people (session) and pipelines (Bearer token):
//   /datasets/versions/:versionId/{manifest.json, files/<path>, export.tar}
//   /datasets/:project/:dataset@:ref/{manifest.json, files/<path>, export.tar}   (`slicewise pull`)
//   /datasets/signed/:versionId/export.tar?expires=…&signature=…                  (short-lived link)
//   /datasets/signed/:versionId/files/<path>?expires=…&signature=…                (handed out with a manifest)
// The export is an uncompressed tar of known length, so it supports HTTP Range (resumable); so do files
// (`Range: bytes=N-` with `If-Range: "<sha256>"`, for resuming one large file).
// File paths are looked up in the manifest, never joined onto a folder: no traversal is possible.
import { pipeline } from 'node:stream/promises';
import express, { type Request, type Response } from 'express';
import { archiveSize, buildDocuments, documentFiles, DOCUMENTS_REVISION, writeExportArchive, type DatasetDocuments } from '@slicewise/datasets';
import { AccessService } from '../auth/access.service.ts';
import type { Actor } from '../auth/actor.ts';
import { DomainError, ErrorCode } from '../common/errors.ts';
import type { RequestScope } from '../common/request-scope.ts';
import { mapCode } from '../graphql/errors.ts';
import { fromGlobalId, toGlobalId } from '../graphql/relay.ts';
import type { Services } from '../services.ts';
import type { DatasetVersionMeta } from '../datasets/dataset.repository.ts';
import type { ManifestIndex } from '../datasets/dataset.service.ts';
import { signFiles, verifyExport, verifyFiles } from '../datasets/export-link.ts';
import { redirectToObject } from './redirect.ts';

/**
 * Passes bytes start..end (inclusive) of a stored object of `bytes` bytes through, dropping the rest. An
 * object that changed length meanwhile throws, so the response is cut short (the client sees a truncated
 * download at once instead of waiting on a connection that promised more bytes).
 */
function byteRange(start: number, end: number, bytes: number, path: string) {
  return async function* (source: AsyncIterable<Buffer>) {
    let offset = 0;
    for await (const chunk of source) {
      const from = Math.max(0, start - offset);
      const to = Math.min(chunk.length, end + 1 - offset);
      offset += chunk.length;
      if (offset > bytes) break;
      if (to > from) yield chunk.subarray(from, to);
    }
    if (offset !== bytes) throw new Error(`${path}: stored object is ${offset > bytes ? 'longer' : 'shorter'} than the ${bytes} bytes of the manifest`);
  };
}

/**
 * Lifetime of the signed file links handed out with a manifest. Pulling a version file by file then
 * costs no database query per file (a token check, a project and a version lookup each took ~2 ms of
 * CPU, which capped a 400-file pull at about a third of the export's rate). Clients fetch the manifest
 * again for a fresh link when one expires.
 */
export const SIGNED_FILES_TTL_SECONDS = 3600;

export function datasetsRouter(services: Services, resolveActor: (req: Request) => Promise<Actor | null>, opts: { signingSecret: string; codeRevision: string | null; presignSeconds?: number }) {
  const router = express.Router();

  const scopeOf = async (req: Request, res: Response): Promise<RequestScope> => ({
    requestId: String(res.locals.requestId),
    access: new AccessService(await resolveActor(req), services.authRepo),
  });

  async function byRef(req: Request, res: Response): Promise<DatasetVersionMeta> {
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
    return services.datasets.resolveMeta(scope, projectId, ref.slice(0, at), ref.slice(at + 1));
  }
  async function byId(req: Request, res: Response): Promise<DatasetVersionMeta> {
    return services.datasets.getMeta(await scopeOf(req, res), fromGlobalId(String(req.params.versionId), 'DatasetVersion').id);
  }

  // The derived documents depend only on the (immutable) version, the model cards and this process's code
  // revision, so they are built once per cached manifest: building them walks every volume (~0.1 s for 200).
  const documentCache = new WeakMap<ManifestIndex, Promise<{ docs: DatasetDocuments; files: ReturnType<typeof documentFiles> }>>();
  function documents(v: DatasetVersionMeta, index: ManifestIndex) {
    let d = documentCache.get(index);
    if (!d) {
      const m = index.manifest;
      d = (async () => {
        const pairs = [...new Map(m.cohorts.map((c) => [`${c.model.name}@${c.model.version}`, { name: c.model.name, version: c.model.version }])).values()];
        const models = await services.models.cardsFor(pairs);
        const docs = buildDocuments(m, { datasetName: v.dataset, tag: null, description: v.description, codeRevision: opts.codeRevision, publishedAt: v.createdAt.toISOString(), models });
        return { docs, files: documentFiles(m, docs) };
      })();
      d.catch(() => documentCache.delete(index)); // a failure is not cached
      documentCache.set(index, d);
    }
    return d;
  }

  /**
   * The canonical bytes, whose sha256 is the version's identity (clients verify it), with the ids a
   * pipeline needs to record lineage (`registerTrainingRun` takes global ids).
   */
  const sendManifest = async (v: DatasetVersionMeta, res: Response) => {
    const index = await services.datasets.manifestIndex(v);
    const versionGid = toGlobalId('DatasetVersion', v.id);
    const expires = Math.floor(Date.now() / 1000) + SIGNED_FILES_TTL_SECONDS;
    res.setHeader('x-manifest-sha256', v.manifestHash);
    res.setHeader('x-dataset-version-id', versionGid);
    res.setHeader('x-project-id', toGlobalId('Project', v.projectId));
    // A URI template (RFC 6570, level 1): `{path}` is the file's relative path, each segment percent-encoded.
    res.setHeader('x-signed-files-url', `/datasets/signed/${versionGid}/files/{path}?expires=${expires}&signature=${signFiles(opts.signingSecret, v.id, expires)}`);
    res.setHeader('x-signed-files-expires', String(expires));
    res.setHeader('content-type', 'application/json');
    res.send(Buffer.from(index.text, 'utf8'));
  };

  const sendFile = async (v: DatasetVersionMeta, req: Request, res: Response) => {
    const rel = ([] as string[]).concat((req.params as Record<string, string | string[]>).path ?? []).join('/');
    const index = await services.datasets.manifestIndex(v);
    const file = index.byPath.get(rel);
    if (file) {
      // with object storage that presigns (S3), a client that asks gets the bucket's URL instead of the bytes
      const filename = file.path.slice(file.path.lastIndexOf('/') + 1);
      if (await redirectToObject(services.storage, opts.presignSeconds ?? 0, req, res, { key: file.storageKey, filename, sha256: file.sha256, bytes: file.bytes, contentType: 'application/gzip' })) return;
      // Streamed through the API: the stored object as it is. If its length is not the manifest's (a damaged
      // store), content-length says so and a client fails that file at once instead of waiting for bytes
      // that never come (a stat per file: cheap on a local folder; on S3 clients normally take the redirect).
      const size = (await services.storage.stat(file.storageKey))?.bytes ?? file.bytes;
      const etag = `"${file.sha256}"`;
      res.setHeader('content-type', 'application/gzip');
      res.setHeader('accept-ranges', 'bytes');
      res.setHeader('x-content-sha256', file.sha256);
      res.setHeader('etag', etag);
      // Resuming a partial download (RFC 9110 §14.2): `Range: bytes=N-` (one range), honoured only if
      // If-Range, when sent, still names this content; otherwise the whole file is sent.
      const range = /^bytes=(\d+)-(\d*)$/.exec(req.header('range') ?? '');
      const ifRange = req.header('if-range');
      if (range && size === file.bytes && (!ifRange || ifRange === etag)) {
        const start = Number(range[1]);
        const end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
        if (start > end) {
          res.status(416).setHeader('content-range', `bytes */${size}`).end();
          return;
        }
        res.status(206);
        res.setHeader('content-range', `bytes ${start}-${end}/${size}`);
        res.setHeader('content-length', String(end - start + 1));
        await pipeline(await services.storage.get(file.storageKey), byteRange(start, end, size, rel), res);
        return;
      }
      res.setHeader('content-length', String(size));
      await pipeline(await services.storage.get(file.storageKey), byteRange(0, size - 1, size, rel), res);
      return;
    }
    const doc = (await documents(v, index)).files.find((d) => d.path === rel);
    if (doc) {
      res.setHeader('content-type', 'application/json');
      res.send(doc.bytes);
      return;
    }
    res.status(404).json({ error: `${rel || '(empty path)'} is not a file of this dataset version`, requestId: res.locals.requestId });
  };

  const sendExport = async (v: DatasetVersionMeta, req: Request, res: Response) => {
    const index = await services.datasets.manifestIndex(v);
    const m = index.manifest;
    const { docs } = await documents(v, index);
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

  const handle = (load: (req: Request, res: Response) => Promise<DatasetVersionMeta>, send: (v: DatasetVersionMeta, req: Request, res: Response) => Promise<void>) => async (req: Request, res: Response) => {
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
  /** The version a signed link names, if its signature is valid (for this kind of link) and unexpired. */
  const bySignature = (verify: typeof verifyExport) => async (req: Request): Promise<DatasetVersionMeta> => {
    const id = fromGlobalId(String(req.params.versionId), 'DatasetVersion').id;
    if (!verify(opts.signingSecret, id, Number(req.query.expires), String(req.query.signature ?? ''))) throw new DomainError(ErrorCode.UNAUTHENTICATED, 'This download link is invalid or has expired; ask for a new one');
    const v = await services.datasets.getMetaUnchecked(id);
    if (!v) throw new DomainError(ErrorCode.NOT_FOUND, 'dataset version not found');
    return v;
  };
  router.get('/datasets/signed/:versionId/export.tar', handle(bySignature(verifyExport), sendExport));
  router.get('/datasets/signed/:versionId/files/*path', handle(bySignature(verifyFiles), sendFile));
  router.get('/datasets/:project/:ref/manifest.json', handle(byRef, (v, _q, res) => sendManifest(v, res)));
  router.get('/datasets/:project/:ref/files/*path', handle(byRef, sendFile));
  router.get('/datasets/:project/:ref/export.tar', handle(byRef, sendExport));
  return router;
}
