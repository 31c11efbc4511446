// Reference masks: a team's own tumour masks (NIfTI / NIfTI.gz), streamed in with a size limit,
// resampled onto the model grid, measured, and kept only as (sha256, name, features). An empirical
// distribution is fitted from them and records which files it came from.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { empiricalSpec, fitEmpirical, type TumourFeatures } from '@slicewise/conditioning';
import { decodeNiftiStream, NiftiError } from '@slicewise/nifti';
import { z } from 'zod';
import type { AuditRepository } from '../audit/audit.repository.ts';
import { DomainError, ErrorCode, notFound, ValidationFailed } from '../common/errors.ts';
import type { CpuPool } from '../cpu/cpu.pool.ts';
import { auditActor, type RequestScope } from '../common/request-scope.ts';
import type { TransactionRunner } from '../common/transaction.repository.ts';
import { userError, validate } from '../common/validation.ts';
import type { ModelService } from '../models/model.service.ts';
import type { ProjectRepository } from '../projects/project.repository.ts';
import type { DistributionService } from './distribution.service.ts';
import type { ReferenceRepository, ReferenceRow } from './reference.repository.ts';

export const MAX_REFERENCES_PER_DISTRIBUTION = 500;

export interface UploadLimits {
  /** Bytes as sent (compressed or not). */
  maxUploadBytes: number;
  /** Voxels the header may announce (all dimensions). */
  maxUploadVoxels: number;
  /** Bytes the upload may decode to (header + voxels). */
  maxUploadDecompressedBytes: number;
  /** Decoded bytes per byte sent, past the first MiB. */
  maxUploadInflationRatio: number;
}

export { modelGridOverSource } from '../cpu/cpu.tasks.ts';

export class ReferenceService {
  constructor(
    private readonly repo: ReferenceRepository,
    private readonly projects: ProjectRepository,
    private readonly models: ModelService,
    private readonly distributions: DistributionService,
    private readonly audit: AuditRepository,
    private readonly tx: TransactionRunner,
    private readonly limits: UploadLimits,
    private readonly cpu: CpuPool,
  ) {}

  /** Reads one upload; every problem is a field error (`file`) and nothing is stored. */
  async upload(scope: RequestScope, input: { projectId: string; modelId: string; filename: string; mergeLabels: boolean; body: Readable }): Promise<ReferenceRow> {
    const project = await this.projects.findProject(input.projectId);
    if (!project) throw notFound('Project', input.projectId);
    await scope.access.require('distribution.write', project.teamId, { type: 'Project', id: project.id });
    const { row: model, conditioning } = await this.models.conditioningOf(input.modelId);
    const filename = validate(z.object({ filename: z.string().min(1, 'must not be empty').max(200, 'at most 200 characters') }), { filename: input.filename }).filename;
    const hash = createHash('sha256');
    let bytes = 0;
    async function* hashed(src: AsyncIterable<Buffer>) {
      for await (const chunk of src) {
        hash.update(chunk);
        bytes += chunk.length;
        yield chunk;
      }
    }
    const L = this.limits;
    const fileError = (code: string, message: string): ValidationFailed => userError(['file'], `file "${filename}" ${message}`, code);
    let decoded;
    try {
      // The request stays open on a refusal (the route answers, then drains or closes it).
      decoded = await decodeNiftiStream(hashed(input.body.iterator({ destroyOnReturn: false })), {
        maxBytes: L.maxUploadBytes,
        maxVoxels: L.maxUploadVoxels,
        maxUncompressedBytes: L.maxUploadDecompressedBytes,
        maxInflationRatio: L.maxUploadInflationRatio,
      });
    } catch (err) {
      if (err instanceof NiftiError) {
        if (err.code === 'TOO_LARGE_COMPRESSED') {
          throw new DomainError(ErrorCode.PAYLOAD_TOO_LARGE, `file "${filename}" is larger than MAX_UPLOAD_BYTES = ${L.maxUploadBytes} bytes as sent`, { field: 'file', reason: err.code, limit: L.maxUploadBytes });
        }
        if (err.code === 'TOO_LARGE_DECOMPRESSED') {
          throw new DomainError(
            ErrorCode.PAYLOAD_TOO_LARGE,
            `file "${filename}" decodes to more than the server accepts (MAX_UPLOAD_VOXELS = ${L.maxUploadVoxels} voxels, MAX_UPLOAD_DECOMPRESSED_BYTES = ${L.maxUploadDecompressedBytes} bytes, MAX_UPLOAD_INFLATION_RATIO = ${L.maxUploadInflationRatio}): ${err.message}`,
            { field: 'file', reason: err.code },
          );
        }
        throw fileError(err.code, describe(err));
      }
      throw err;
    }
    const sha256 = hash.digest('hex');
    const existing = await this.repo.findBySha(project.id, sha256);
    if (existing) return existing;
    const [D, H, W] = conditioning.volumeShapeDhw;
    // Parse, binarise, resample and measure off the event loop (bounded pool, request's time limit).
    const r = await this.cpu.referenceMask({ bytes: decoded.bytes, mergeLabels: input.mergeLabels, maxVoxels: L.maxUploadVoxels, conditioning }, scope.signal);
    if (!r.ok) {
      if (r.code === 'NOT_BINARY') {
        throw fileError(
          'NOT_BINARY',
          `is not a binary mask: it holds values ${(r.labels ?? []).join(', ')}; upload {0, 1} masks, or pass labels=merge to treat every non-zero label as tumour (BraTS: 1, 2, 4)`,
        );
      }
      throw fileError(r.code, describe({ code: r.code, message: r.message }));
    }
    const features = r.features;
    if (features.empty) {
      throw fileError('EMPTY', `has no tumour voxel on the ${W}x${H}x${D} model grid (empty mask, or a tumour smaller than one model voxel)`);
    }
    return this.tx.run(async (tx) => {
      const row = await this.repo.create(tx, { teamId: project.teamId, projectId: project.id, sha256, filename, bytes, features });
      await this.audit.record(tx, { ...auditActor(scope), teamId: project.teamId, action: 'reference.upload', targetType: 'ReferenceFile', targetId: row.id, data: { sha256, filename, bytes, model: model.name } });
      return row;
    });
  }

  async createEmpirical(scope: RequestScope, input: { projectId: string; name: string; modelId: string; referenceFileIds: string[]; bandwidth?: number | null; description?: string | null }) {
    const data = validate(
      z.object({
        referenceFileIds: z.array(z.string()).min(1, 'choose at least one reference mask').max(MAX_REFERENCES_PER_DISTRIBUTION, `at most ${MAX_REFERENCES_PER_DISTRIBUTION}`),
        bandwidth: z.number().min(0, 'must be in [0, 2]').max(2, 'must be in [0, 2]').nullish(),
      }),
      { referenceFileIds: input.referenceFileIds, bandwidth: input.bandwidth },
    );
    const project = await this.projects.findProject(input.projectId);
    if (!project) throw notFound('Project', input.projectId);
    await scope.access.require('distribution.write', project.teamId, { type: 'Project', id: project.id });
    const refs = await this.repo.findMany(data.referenceFileIds);
    const byId = new Map(refs.filter((r) => r.projectId === project.id).map((r) => [r.id, r]));
    const missing = data.referenceFileIds.findIndex((id) => !byId.has(id));
    if (missing >= 0) throw userError(['referenceFileIds', String(missing)], `referenceFileIds[${missing}]: no reference mask with this id in the project`, 'NOT_FOUND');
    const { conditioning } = await this.models.conditioningOf(input.modelId);
    let spec;
    try {
      const emp = fitEmpirical(
        data.referenceFileIds.map((id) => {
          const r = byId.get(id)!;
          return { sha256: r.sha256, name: r.filename, features: r.features as unknown as TumourFeatures };
        }),
        conditioning.volumeShapeDhw,
        conditioning.spacingMm,
        data.bandwidth ?? 0.25,
      );
      spec = empiricalSpec(emp, input.name);
    } catch (err) {
      if (err instanceof RangeError) throw new ValidationFailed([{ field: ['referenceFileIds'], message: err.message, code: 'INVALID' }]);
      throw err;
    }
    return this.distributions.create(scope, { projectId: project.id, name: input.name, description: input.description ?? null, modelId: input.modelId, spec });
  }

  async get(scope: RequestScope, id: string): Promise<ReferenceRow> {
    const [r] = await this.repo.findMany([id]);
    if (!r) throw notFound('ReferenceFile', id);
    const project = await this.projects.findProject(r.projectId);
    if (!project) throw notFound('ReferenceFile', id);
    await scope.access.require('project.read', project.teamId, { type: 'ReferenceFile', id });
    return r;
  }

  async list(scope: RequestScope, projectId: string, take: number) {
    const project = await this.projects.findProject(projectId);
    if (!project) throw notFound('Project', projectId);
    await scope.access.require('project.read', project.teamId, { type: 'Project', id: projectId });
    return this.repo.listForProject(projectId, take);
  }
}

function describe(err: { code: string; message: string }): string {
  const what: Record<string, string> = {
    NOT_3D: 'is not a 3D volume (4D and time series are not masks)',
    TRUNCATED: 'is truncated (shorter than its header says)',
    NOT_NIFTI: 'is not a NIfTI-1/2 file (.nii or .nii.gz)',
  };
  return what[err.code] ? `${what[err.code]}: ${err.message}` : `cannot be read: ${err.message}`;
}
