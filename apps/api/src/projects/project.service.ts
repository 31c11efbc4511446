import { z } from 'zod';
import type { AuditRepository } from '../audit/audit.repository.ts';
import type { Keyset, TimeCursor } from '../common/keyset.ts';
import { notFound } from '../common/errors.ts';
import { auditActor, type RequestScope } from '../common/request-scope.ts';
import { slugify, uniqueSlug } from '../common/slug.ts';
import type { TransactionRunner } from '../common/transaction.repository.ts';
import { validate } from '../common/validation.ts';
import type { ProjectRepository, ProjectRow } from './project.repository.ts';

const name = z.string().trim().min(1, 'must not be empty').max(100, 'at most 100 characters');
const description = z.string().max(2000, 'at most 2000 characters');
const createInput = z.object({ teamId: z.string(), name, description: description.default('') });
const updateInput = z.object({ projectId: z.string(), name: name.optional(), description: description.optional() });

export class ProjectService {
  constructor(
    private readonly repo: ProjectRepository,
    private readonly audit: AuditRepository,
    private readonly tx: TransactionRunner,
  ) {}

  async getProject(scope: RequestScope, id: string): Promise<ProjectRow> {
    const actor = scope.access.actor;
    let p: ProjectRow | null;
    if (actor?.kind === 'user') {
      // The project and the caller's role in its team in one read (the check below would read the role next).
      const found = await this.repo.findProjectWithRole(id, actor.userId);
      if (found) scope.access.knowRole(found.project.teamId, found.role);
      p = found?.project ?? null;
    } else {
      p = await this.repo.findProject(id);
    }
    if (!p) throw notFound('Project', id);
    await scope.access.require('project.read', p.teamId, { type: 'Project', id });
    return p;
  }

  async create(scope: RequestScope, input: { teamId: string; name: string; description?: string | null }): Promise<ProjectRow> {
    const data = validate(createInput, { ...input, description: input.description ?? undefined });
    await scope.access.require('project.create', data.teamId, { type: 'Team', id: data.teamId });
    const slug = await uniqueSlug(slugify(data.name), (s) => this.repo.slugTaken(data.teamId, s));
    return this.tx.run(async (tx) => {
      const p = await this.repo.create(tx, { teamId: data.teamId, slug, name: data.name, description: data.description });
      await this.audit.record(tx, { ...auditActor(scope), teamId: p.teamId, action: 'project.create', targetType: 'Project', targetId: p.id, data: { name: p.name } });
      return p;
    });
  }

  async update(scope: RequestScope, input: { projectId: string; name?: string | null; description?: string | null }): Promise<ProjectRow> {
    const data = validate(updateInput, { projectId: input.projectId, name: input.name ?? undefined, description: input.description ?? undefined });
    const p = await this.repo.findProject(data.projectId);
    if (!p) throw notFound('Project', data.projectId);
    await scope.access.require('project.update', p.teamId, { type: 'Project', id: p.id });
    return this.tx.run(async (tx) => {
      const changes: { name?: string; description?: string } = {};
      if (data.name !== undefined) changes.name = data.name;
      if (data.description !== undefined) changes.description = data.description;
      const updated = await this.repo.update(tx, p.id, changes);
      await this.audit.record(tx, { ...auditActor(scope), teamId: p.teamId, action: 'project.update', targetType: 'Project', targetId: p.id, data: changes });
      return updated;
    });
  }

  async archive(scope: RequestScope, projectId: string): Promise<ProjectRow> {
    const p = await this.repo.findProject(projectId);
    if (!p) throw notFound('Project', projectId);
    await scope.access.require('project.archive', p.teamId, { type: 'Project', id: p.id });
    if (p.archivedAt) return p;
    return this.tx.run(async (tx) => {
      const updated = await this.repo.update(tx, p.id, { archivedAt: new Date() });
      await this.audit.record(tx, { ...auditActor(scope), teamId: p.teamId, action: 'project.archive', targetType: 'Project', targetId: p.id });
      return updated;
    });
  }

  projectsByIds(ids: readonly string[]) {
    return this.repo.findProjectsByIds(ids);
  }

  projectsOfTeams(teamIds: readonly string[], k: Keyset<TimeCursor>, includeArchived: boolean) {
    return this.repo.projectsOfTeams(teamIds, k, includeArchived);
  }
}
