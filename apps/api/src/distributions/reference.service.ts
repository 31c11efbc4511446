// Reference masks: a team's own tumour masks (NIfTI / NIfTI.gz), streamed in with a size limit,
// resampled onto the model grid, measured, and kept only as (sha256, name, features). An empirical
// distribution is fitted from them and records which files it came from.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { computeFeatures, empiricalSpec, fitEmpirical, type TumourFeatures } from '@slicewise/conditioning';
import { NiftiError, readNiftiFromStream, resampleToGrid, type Affine } from '@slicewise/nifti';
import { z } from 'zod';
import type { AuditRepository } from '../audit/audit.repository.ts';
import { notFound, ValidationFailed } from '../common/errors.ts';
import { auditActor, type RequestScope } from '../common/request-scope.ts';
import type { TransactionRunner } from '../common/transaction.repository.ts';
import { userError, validate } from '../common/validation.ts';
import type { ModelService } from '../models/model.service.ts';
import type { ProjectRepository } from '../projects/project.repository.ts';
import type { DistributionService } from './distribution.service.ts';
import type { ReferenceRepository, ReferenceRow } from './reference.repository.ts';

export const MAX_REFERENCES_PER_DISTRIBUTION = 500;

export interface UploadLimits {
  maxUploadBytes: number;
}

/**
 * A destination grid spanning the source's field of view in RAS+ world space with the model's
 * dimensions: the paper resizes the whole FOV to the model grid; the affine makes orientation
 * (flips, axis permutations, obliquity) come out right.
 */
export function modelGridOverSource(srcAffine: Affine, srcDimsXyz: number[], dstDimsXyz: number[]): Affine {
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (const ci of [-0.5, srcDimsXyz[0]! - 0.5]) {
    for (const cj of [-0.5, srcDimsXyz[1]! - 0.5]) {
      for (const ck of [-0.5, srcDimsXyz[2]! - 0.5]) {
        for (let r = 0; r < 3; r++) {
          const w = srcAffine[r]![0]! * ci + srcAffine[r]![1]! * cj + srcAffine[r]![2]! * ck + srcAffine[r]![3]!;
          lo[r] = Math.min(lo[r]!, w);
          hi[r] = Math.max(hi[r]!, w);
        }
      }
    }
  }
  const s = [0, 1, 2].map((r) => (hi[r]! - lo[r]!) / dstDimsXyz[r]!);
  return [
    [s[0]!, 0, 0, lo[0]! + s[0]! / 2],
    [0, s[1]!, 0, lo[1]! + s[1]! / 2],
    [0, 0, s[2]!, lo[2]! + s[2]! / 2],
    [0, 0, 0, 1],
  ];
}

export class ReferenceService {
  constructor(
    private readonly repo: ReferenceRepository,
    private readonly projects: ProjectRepository,
    private readonly models: ModelService,
    private readonly distributions: DistributionService,
    private readonly audit: AuditRepository,
    private readonly tx: TransactionRunner,
    private readonly limits: UploadLimits,
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
    let vol;
    try {
      vol = await readNiftiFromStream(hashed(input.body), { maxBytes: this.limits.maxUploadBytes, require3D: true });
    } catch (err) {
      input.body.resume();
      if (err instanceof NiftiError) {
        const what: Record<string, string> = {
          TOO_LARGE: `is larger than the limit of ${this.limits.maxUploadBytes} bytes`,
          NOT_3D: 'is not a 3D volume (4D and time series are not masks)',
          TRUNCATED: 'is truncated (shorter than its header says)',
          NOT_NIFTI: 'is not a NIfTI-1/2 file (.nii or .nii.gz)',
        };
        throw userError(['file'], `file "${filename}" ${what[err.code] ?? `cannot be read: ${err.message}`}`, err.code);
      }
      throw err;
    }
    const sha256 = hash.digest('hex');
    const existing = await this.repo.findBySha(project.id, sha256);
    if (existing) return existing;
    const data = vol.data;
    const labels = new Set<number>();
    for (let i = 0; i < data.length && labels.size < 16; i++) labels.add(Number(data[i]));
    const nonBinary = [...labels].filter((v) => v !== 0 && v !== 1);
    if (nonBinary.length > 0 && !input.mergeLabels) {
      throw userError(
        ['file'],
        `file "${filename}" is not a binary mask: it holds values ${[...labels].sort((a, b) => a - b).slice(0, 8).join(', ')}; upload {0, 1} masks, or pass labels=merge to treat every non-zero label as tumour (BraTS: 1, 2, 4)`,
        'NOT_BINARY',
      );
    }
    const [D, H, W] = conditioning.volumeShapeDhw;
    const binary = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++) binary[i] = Number(data[i]) !== 0 ? 1 : 0;
    const dims = vol.dims.slice(0, 3);
    const dstAffine = modelGridOverSource(vol.affine, dims, [W, H, D]);
    const onGrid = resampleToGrid(binary, vol.affine, dims, dstAffine, [W, H, D], { interpolation: 'nearest' });
    if (onGrid.length !== D * H * W) throw userError(['file'], `file "${filename}" resampled to ${onGrid.length} voxels, expected ${D * H * W}`, 'WRONG_SIZE');
    const features = computeFeatures(onGrid, [D, H, W], conditioning.spacingMm, { maxVoxelCount: conditioning.maxVoxelCount, maxSurfaceArea: conditioning.maxSurfaceArea });
    if (features.empty) {
      throw userError(['file'], `file "${filename}" has no tumour voxel on the ${W}x${H}x${D} model grid (empty mask, or a tumour smaller than one model voxel)`, 'EMPTY');
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

  async list(scope: RequestScope, projectId: string, take: number) {
    const project = await this.projects.findProject(projectId);
    if (!project) throw notFound('Project', projectId);
    await scope.access.require('project.read', project.teamId, { type: 'Project', id: projectId });
    return this.repo.listForProject(projectId, take);
  }
}
