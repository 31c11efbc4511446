// Wires repositories and services once per process. Resolvers reach services through the context.
import { AuditRepository } from './audit/audit.repository.ts';
import { AuditService } from './audit/audit.service.ts';
import { AuthRepository } from './auth/auth.repository.ts';
import { AuthService, type AuthConfig } from './auth/auth.service.ts';
import { HealthRepository } from './common/health.repository.ts';
import { TransactionRunner, type Db } from './common/transaction.repository.ts';
import { ProjectRepository } from './projects/project.repository.ts';
import { ProjectService } from './projects/project.service.ts';
import { TeamRepository } from './teams/team.repository.ts';
import { TeamService } from './teams/team.service.ts';

export function createServices(db: Db, config: AuthConfig) {
  const tx = new TransactionRunner(db);
  const audit = new AuditRepository(db);
  const authRepo = new AuthRepository(db);
  return {
    authRepo,
    health: new HealthRepository(db),
    auth: new AuthService(authRepo, audit, tx, config),
    teams: new TeamService(new TeamRepository(db), audit, tx),
    projects: new ProjectService(new ProjectRepository(db), audit, tx),
    audit: new AuditService(audit),
  };
}

export type Services = ReturnType<typeof createServices>;
