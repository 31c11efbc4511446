// Row -> GraphQL object mappers (global IDs are made here, nowhere else).
import type { TokenRow, UserRow } from '../auth/auth.repository.ts';
import { ApiToken, TokenScopeEnum, User } from '../auth/auth.types.ts';
import type { AuditRow } from '../audit/audit.repository.ts';
import { AuditEvent } from '../audit/audit.types.ts';
import type { ProjectRow } from '../projects/project.repository.ts';
import { Project } from '../projects/project.types.ts';
import type { MembershipRow, TeamRow } from '../teams/team.repository.ts';
import { Membership, RoleEnum, Team } from '../teams/team.types.ts';
import { toGlobalId } from './relay.ts';

export const userNode = (r: UserRow): User => Object.assign(new User(), { id: toGlobalId('User', r.id), rawId: r.id, email: r.email, name: r.name, createdAt: r.createdAt });
export const teamNode = (r: TeamRow): Team =>
  Object.assign(new Team(), { id: toGlobalId('Team', r.id), rawId: r.id, slug: r.slug, name: r.name, approvalThreshold: r.approvalThreshold, createdAt: r.createdAt });
export const membershipNode = (r: MembershipRow): Membership =>
  Object.assign(new Membership(), { id: toGlobalId('Membership', r.id), rawId: r.id, role: r.role as RoleEnum, createdAt: r.createdAt, teamId: r.teamId, userId: r.userId });
export const projectNode = (r: ProjectRow): Project =>
  Object.assign(new Project(), {
    id: toGlobalId('Project', r.id),
    rawId: r.id,
    teamId: r.teamId,
    slug: r.slug,
    name: r.name,
    description: r.description,
    createdAt: r.createdAt,
    archivedAt: r.archivedAt,
  });
export const tokenNode = (r: TokenRow): ApiToken =>
  Object.assign(new ApiToken(), {
    id: toGlobalId('ApiToken', r.id),
    rawId: r.id,
    teamId: r.teamId,
    createdById: r.createdById,
    name: r.name,
    prefix: r.prefix,
    scopes: r.scopes as TokenScopeEnum[],
    expiresAt: r.expiresAt,
    revokedAt: r.revokedAt,
    lastUsedAt: r.lastUsedAt,
    createdAt: r.createdAt,
  });
export const auditNode = (r: AuditRow): AuditEvent =>
  Object.assign(new AuditEvent(), {
    id: toGlobalId('AuditEvent', r.id.toString()),
    rawId: r.id.toString(),
    action: r.action,
    targetType: r.targetType,
    targetId: r.targetId,
    requestId: r.requestId,
    actorTokenId: r.actorTokenId,
    actorUserId: r.actorUserId,
    data: r.data,
    createdAt: r.createdAt,
  });

import { samplerDefaultsOf, samplerLimits } from '@slicewise/models';
import type { ModelRow } from '../models/model.repository.ts';
import { Model } from '../models/model.types.ts';
import type { DistributionRow, VersionRow } from '../distributions/distribution.repository.ts';
import { ConditionDistribution, DistributionVersion } from '../distributions/distribution.types.ts';
import type { CohortRow, VolumeRow } from '../cohorts/cohort.repository.ts';
import { Cohort, ReviewStateEnum, Volume } from '../cohorts/cohort.types.ts';

export const modelNode = (r: ModelRow): Model => {
  const m = r.metadata;
  return Object.assign(new Model(), {
    id: toGlobalId('Model', r.id),
    rawId: r.id,
    name: r.name,
    version: r.version,
    description: m.description ?? null,
    volumeShapeDhw: m.volume?.shape_dhw ?? [],
    spacingMm: m.volume?.spacing_mm ?? [],
    conditioning: m.conditioning ?? {},
    samplerDefaults: samplerDefaultsOf(m),
    samplerLimits: samplerLimits(m),
    fileHashes: r.fileHashes,
    metrics: m.metrics ?? null,
    registeredAt: r.registeredAt,
  });
};
export const distributionNode = (r: DistributionRow): ConditionDistribution =>
  Object.assign(new ConditionDistribution(), { id: toGlobalId('ConditionDistribution', r.id), rawId: r.id, name: r.name, description: r.description, createdAt: r.createdAt, projectId: r.projectId, teamId: r.teamId });
export const versionNode = (r: VersionRow): DistributionVersion =>
  Object.assign(new DistributionVersion(), {
    id: toGlobalId('DistributionVersion', r.id),
    rawId: r.id,
    version: r.version,
    spec: r.spec,
    specHash: r.specHash,
    sourceFiles: r.sourceFiles,
    createdAt: r.createdAt,
    distributionId: r.distributionId,
    createdById: r.createdById,
  });
export const cohortNode = (r: CohortRow): Cohort =>
  Object.assign(new Cohort(), {
    id: toGlobalId('Cohort', r.id),
    rawId: r.id,
    name: r.name,
    status: r.status,
    size: r.size,
    seed: r.seed.toString(),
    samplerSettings: r.samplerSettings,
    isPreview: r.isPreview,
    estimatedSeconds: r.estimatedSeconds,
    decisionComment: r.decisionComment,
    decidedAt: r.decidedAt,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    cancelledAt: r.cancelledAt,
    teamId: r.teamId,
    projectId: r.projectId,
    modelId: r.modelId,
    distributionVersionId: r.distributionVersionId,
    requestedById: r.requestedById,
    decidedById: r.decidedById,
  });
export const volumeNode = (r: VolumeRow): Volume =>
  Object.assign(new Volume(), {
    id: toGlobalId('Volume', r.id),
    rawId: r.id,
    cohortId: r.cohortId,
    subjectIndex: r.subjectIndex,
    status: r.status,
    attempts: r.attempts,
    error: r.error,
    requestedCondition: r.requestedCondition,
    measuredCondition: r.measuredCondition,
    imageSha256: r.imageSha256,
    maskSha256: r.maskSha256,
    imageBytes: r.imageBytes === null ? null : Number(r.imageBytes),
    maskBytes: r.maskBytes === null ? null : Number(r.maskBytes),
    imageUrl: r.imageKey ? `/files/volumes/${r.id}/image.nii.gz` : null,
    maskUrl: r.maskKey ? `/files/volumes/${r.id}/mask.nii.gz` : null,
    provenance: r.provenance,
    reviewState: r.reviewState as ReviewStateEnum,
    reviewComment: r.reviewComment,
    reviewedAt: r.reviewedAt,
    reviewedById: r.reviewedById,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
  });
