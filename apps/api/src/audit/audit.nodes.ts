// Row -> GraphQL object mappers of this feature (global IDs are made with graphql/relay.ts toGlobalId).
import type { AuditRow } from './audit.repository.ts';
import { AuditEvent } from './audit.types.ts';
import { toGlobalId } from '../graphql/relay.ts';

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
