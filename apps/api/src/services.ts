// Wires repositories and services once per process. Resolvers reach services through the context.
import { AuditRepository } from './audit/audit.repository.ts';
import { AuditService } from './audit/audit.service.ts';
import { AuthRepository } from './auth/auth.repository.ts';
import { AuthService } from './auth/auth.service.ts';
import type { ApiConfig } from './config.ts';
import { CohortRepository } from './cohorts/cohort.repository.ts';
import { CohortService } from './cohorts/cohort.service.ts';
import { EstimateService } from './cohorts/estimate.service.ts';
import { ThroughputRepository } from './cohorts/throughput.repository.ts';
import { ThumbnailService } from './cohorts/thumbnail.service.ts';
import { DistributionRepository } from './distributions/distribution.repository.ts';
import { DistributionService } from './distributions/distribution.service.ts';
import { ReferenceRepository } from './distributions/reference.repository.ts';
import { ReferenceService } from './distributions/reference.service.ts';
import { ModelRepository } from './models/model.repository.ts';
import { DatasetRepository } from './datasets/dataset.repository.ts';
import { DatasetService } from './datasets/dataset.service.ts';
import { WebhookRepository } from './webhooks/webhook.repository.ts';
import { WebhookService } from './webhooks/webhook.service.ts';
import { ModelService } from './models/model.service.ts';
import { createStorage } from '@slicewise/storage';
import { HealthRepository } from './common/health.repository.ts';
import { TransactionRunner, type Db } from './common/transaction.repository.ts';
import { ProjectRepository } from './projects/project.repository.ts';
import { ProjectService } from './projects/project.service.ts';
import { TeamRepository } from './teams/team.repository.ts';
import { TeamService } from './teams/team.service.ts';
import { CpuPool } from './cpu/cpu.pool.ts';
import { InvitationRepository } from './invitations/invitation.repository.ts';
import { InvitationService } from './invitations/invitation.service.ts';
import { InstanceService } from './instance/instance.service.ts';

export function createServices(db: Db, config: ApiConfig) {
  const tx = new TransactionRunner(db);
  const cpu = new CpuPool({ threads: config.cpuWorkers, maxQueue: config.cpuQueueMax });
  const audit = new AuditRepository(db);
  const authRepo = new AuthRepository(db);
  const projectRepo = new ProjectRepository(db);
  const teamRepo = new TeamRepository(db);
  const models = new ModelService(new ModelRepository(db), config.modelsDir);
  const distributions = new DistributionService(new DistributionRepository(db), projectRepo, models, audit, tx, cpu);
  const cohorts = new CohortService(new CohortRepository(db), projectRepo, teamRepo, distributions, models, audit, tx, {
    maxCohortSize: config.maxCohortSize,
    maxPreviewSize: config.maxPreviewSize,
    maxOpenVolumesPerTeam: config.maxOpenVolumesPerTeam,
    queuePolicy: { expireInSeconds: config.jobExpireSeconds },
  }, new EstimateService(models, new ThroughputRepository(db)));
  const references = new ReferenceService(new ReferenceRepository(db), projectRepo, models, distributions, audit, tx, {
    maxUploadBytes: config.maxUploadBytes,
    maxUploadVoxels: config.maxUploadVoxels,
    maxUploadDecompressedBytes: config.maxUploadDecompressedBytes,
    maxUploadInflationRatio: config.maxUploadInflationRatio,
  }, cpu);
  const webhookRepo = new WebhookRepository(db);
  const datasets = new DatasetService(new DatasetRepository(db), projectRepo, webhookRepo, audit, tx);
  const storage = createStorage(config.storage);
  return {
    cpu,
    webhooks: new WebhookService(webhookRepo, audit, tx, { allowPrivateTargets: config.webhooks.allowPrivateTargets }),
    datasets,
    references,
    models,
    distributions,
    cohorts,
    storage,
    thumbnails: new ThumbnailService(storage),
    authRepo,
    health: new HealthRepository(db),
    auth: new AuthService(authRepo, audit, tx, config),
    teams: new TeamService(teamRepo, audit, tx),
    invitations: new InvitationService(new InvitationRepository(db), teamRepo, authRepo, audit, tx),
    instance: new InstanceService(authRepo, { maxCohortSize: config.maxCohortSize, maxPreviewSize: config.maxPreviewSize }),
    projects: new ProjectService(projectRepo, audit, tx),
    audit: new AuditService(audit),
  };
}

export type Services = ReturnType<typeof createServices>;
