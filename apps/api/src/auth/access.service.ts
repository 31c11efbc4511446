// Enforces auth/permissions.ts. One instance per request (it caches the actor's memberships).
import DataLoader from 'dataloader';
import { DomainError, ErrorCode, unauthenticated } from '../common/errors.ts';
import type { Actor } from './actor.ts';
import type { AuthRepository } from './auth.repository.ts';
import { PERMISSIONS, roleAtLeast, scopesAllow, type Action, type Role } from './permissions.ts';

export interface Target {
  type: string;
  id: string;
}

export class AccessService {
  private readonly roles: DataLoader<string, Role | null> | null;

  constructor(
    readonly actor: Actor | null,
    private readonly repo: AuthRepository,
  ) {
    const a = actor;
    this.roles =
      a?.kind === 'user'
        ? new DataLoader(async (teamIds) => {
            const rows = await repo.membershipsOf(a.userId, teamIds);
            const byTeam = new Map(rows.map((r) => [r.teamId, r.role]));
            return teamIds.map((t) => byTeam.get(t) ?? null);
          })
        : null;
  }

  requireActor(): Actor {
    if (!this.actor) throw unauthenticated();
    return this.actor;
  }

  requireUser(): Extract<Actor, { kind: 'user' }> {
    const a = this.requireActor();
    if (a.kind !== 'user') throw new DomainError(ErrorCode.FORBIDDEN, 'This operation needs a signed-in user; API tokens cannot do it');
    return a;
  }

  /** Teams the actor may read: a user's memberships, a token's team. */
  async teamIds(): Promise<string[]> {
    const a = this.requireActor();
    return a.kind === 'token' ? [a.teamId] : this.repo.teamIdsOf(a.userId);
  }

  /**
   * Records a user's role in a team read in this request together with something else (one round
   * trip instead of two). Request-scoped like every role this service holds: the next request reads again.
   */
  knowRole(teamId: string, role: Role | null): void {
    this.roles?.prime(teamId, role);
  }

  /** The actor's role in a team (null when not a member; tokens have none). */
  async roleIn(teamId: string): Promise<Role | null> {
    return this.roles ? this.roles.load(teamId) : null;
  }

  /**
   * Allows the action on a team's object or throws. Outsiders get NOT_FOUND (an object of another
   * team does not exist for them); insiders without the right get FORBIDDEN.
   */
  async require(action: Action, teamId: string, target: Target): Promise<{ role: Role | null }> {
    const actor = this.requireActor();
    const rule = PERMISSIONS[action];
    // Built only when thrown: an Error captures its stack, a cost every allowed request paid before.
    const hidden = () => new DomainError(ErrorCode.NOT_FOUND, `${target.type} ${JSON.stringify(target.id)} was not found`, { id: target.id });
    if (actor.kind === 'token') {
      if (actor.teamId !== teamId) throw hidden();
      if (rule.scope === null) throw new DomainError(ErrorCode.FORBIDDEN, `API tokens cannot do "${action}"; sign in instead`);
      if (!scopesAllow(actor.scopes, rule.scope)) {
        throw new DomainError(ErrorCode.FORBIDDEN, `"${action}" needs a token with scope ${rule.scope}; this token has ${actor.scopes.join(', ') || 'none'} (capped by its creator's current role ${actor.ownerRole})`);
      }
      if (!roleAtLeast(actor.ownerRole, rule.minRole)) {
        throw new DomainError(ErrorCode.FORBIDDEN, `"${action}" needs role ${rule.minRole}; this token's creator is now ${actor.ownerRole}`);
      }
      return { role: null };
    }
    const role = await this.roleIn(teamId);
    if (!role) throw hidden();
    if (!roleAtLeast(role, rule.minRole)) {
      throw new DomainError(ErrorCode.FORBIDDEN, `"${action}" needs role ${rule.minRole} or higher; you are ${role}`);
    }
    return { role };
  }
}
