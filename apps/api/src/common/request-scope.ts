import type { AccessService } from '../auth/access.service.ts';

/** What a service method needs to know about the request it serves. */
export interface RequestScope {
  requestId: string;
  access: AccessService;
  /** Aborted when the request runs past its time limit or the client goes away: stop working. */
  signal?: AbortSignal;
}

/** Audit actor fields derived from the request. */
export function auditActor(scope: RequestScope): { actorUserId: string | null; actorTokenId: string | null; requestId: string } {
  const a = scope.access.actor;
  return {
    actorUserId: a ? (a.kind === 'user' ? a.userId : a.createdById) : null,
    actorTokenId: a?.kind === 'token' ? a.tokenId : null,
    requestId: scope.requestId,
  };
}
