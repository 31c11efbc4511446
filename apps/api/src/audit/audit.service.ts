import { z } from 'zod';
import type { Keyset } from '../common/keyset.ts';
import { notFound } from '../common/errors.ts';
import type { RequestScope } from '../common/request-scope.ts';
import { validate } from '../common/validation.ts';
import type { AuditFilter, AuditRepository } from './audit.repository.ts';

const filter = z.object({
  teamId: z.string(),
  actorUserId: z.string().uuid('must be a user id').optional(),
  action: z.string().max(100).optional(),
  since: z.date().optional(),
  until: z.date().optional(),
});

export class AuditService {
  constructor(private readonly repo: AuditRepository) {}

  /** One event; events without a team (sign-ins) are not visible through the API. */
  async get(scope: RequestScope, id: string) {
    const e = await this.repo.find(id);
    if (!e || !e.teamId) throw notFound('AuditEvent', id);
    await scope.access.require('audit.read', e.teamId, { type: 'AuditEvent', id });
    return e;
  }

  async list(scope: RequestScope, f: AuditFilter, k: Keyset<number>) {
    const data = validate(filter, f);
    await scope.access.require('audit.read', data.teamId, { type: 'Team', id: data.teamId });
    return this.repo.list(data, k);
  }
}
