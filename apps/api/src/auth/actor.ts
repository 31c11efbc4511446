// Who is making a request: a signed-in user (session cookie), an API token, or nobody.
import type { Role, Scope } from './permissions.ts';

export type Actor =
  | { kind: 'user'; userId: string; sessionId: string }
  /**
   * `scopes` are the token's scopes capped by its creator's CURRENT role in the team (`ownerRole`,
   * read at every request): a token never does more than the person who made it may do now.
   */
  | { kind: 'token'; tokenId: string; teamId: string; scopes: Scope[]; createdById: string; ownerRole: Role };

export function actorUserId(actor: Actor): string {
  return actor.kind === 'user' ? actor.userId : actor.createdById;
}
