// Who is making a request: a signed-in user (session cookie), an API token, or nobody.
import type { Scope } from './permissions.ts';

export type Actor =
  | { kind: 'user'; userId: string; sessionId: string }
  | { kind: 'token'; tokenId: string; teamId: string; scopes: Scope[]; createdById: string };

export function actorUserId(actor: Actor): string {
  return actor.kind === 'user' ? actor.userId : actor.createdById;
}
