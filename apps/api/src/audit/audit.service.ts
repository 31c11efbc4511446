import { z } from 'zod';
import type { Keyset } from '../common/keyset.ts';
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

  async list(scope: RequestScope, f: AuditFilter, k: Keyset<number>) {
    const data = validate(filter, f);
    await scope.access.require('audit.read', data.teamId, { type: 'Team', id: data.teamId });
    return this.repo.list(data, k);
  }
}
