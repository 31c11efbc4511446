// Teams and their members.
import { z } from 'zod';
import type { AuditRepository } from '../audit/audit.repository.ts';
import type { Keyset, TimeCursor } from '../common/keyset.ts';
import { ROLES, roleAtLeast, type Role } from '../auth/permissions.ts';
import { DomainError, ErrorCode, notFound } from '../common/errors.ts';
import { auditActor, type RequestScope } from '../common/request-scope.ts';
import { slugify, uniqueSlug } from '../common/slug.ts';
import type { TransactionRunner } from '../common/transaction.repository.ts';
import { userError, validate } from '../common/validation.ts';
import type { MembershipRow, TeamRepository, TeamRow } from './team.repository.ts';

const name = z.string().trim().min(1, 'must not be empty').max(100, 'at most 100 characters');
const role = z.enum(ROLES, { message: `must be one of ${ROLES.join(', ')}` });
const createTeamInput = z.object({ name });
const updateTeamInput = z.object({
  teamId: z.string(),
  name: name.optional(),
  approvalThreshold: z.number().int('must be a whole number').min(1, 'must be at least 1 (or null for never)').max(1_000_000, 'at most 1000000').nullable().optional(),
});
const addMemberInput = z.object({ teamId: z.string(), email: z.string().trim().toLowerCase().email('must be an email address'), role });

export class TeamService {
  constructor(
    private readonly repo: TeamRepository,
    private readonly audit: AuditRepository,
    private readonly tx: TransactionRunner,
  ) {}

  async getTeam(scope: RequestScope, id: string): Promise<TeamRow> {
    const actor = scope.access.actor;
    let team: TeamRow | null;
    if (actor?.kind === 'user') {
      // The team and the caller's role in one read (the permission check below would read the role next).
      const found = await this.repo.findTeamWithRole(id, actor.userId);
      if (found) scope.access.knowRole(found.team.id, found.role);
      team = found?.team ?? null;
    } else {
      team = await this.repo.findTeam(id);
    }
    if (!team) throw notFound('Team', id);
    await scope.access.require('team.read', team.id, { type: 'Team', id });
    return team;
  }

  async myTeams(scope: RequestScope, k: Keyset<TimeCursor>) {
    const actor = scope.access.requireActor();
    if (actor.kind === 'token') {
      const team = await this.getTeam(scope, actor.teamId);
      return k.cursor ? [] : [{ id: team.id, createdAt: team.createdAt, role: null as Role | null, team }];
    }
    const rows = await this.repo.teamsOfUser(actor.userId, k);
    return rows.map((m) => ({ id: m.id, createdAt: m.createdAt, role: m.role as Role | null, team: m.team }));
  }

  async createTeam(scope: RequestScope, input: { name: string }): Promise<TeamRow> {
    const user = scope.access.requireUser();
    const data = validate(createTeamInput, input);
    const slug = await uniqueSlug(slugify(data.name), (s) => this.repo.slugTaken(s));
    return this.tx.run(async (tx) => {
      const team = await this.repo.createTeam(tx, { slug, name: data.name }, user.userId);
      await this.audit.record(tx, { ...auditActor(scope), teamId: team.id, action: 'team.create', targetType: 'Team', targetId: team.id, data: { name: data.name } });
      return team;
    });
  }

  async updateTeam(scope: RequestScope, input: { teamId: string; name?: string | null; approvalThreshold?: number | null }): Promise<TeamRow> {
    const data = validate(updateTeamInput, { ...input, name: input.name ?? undefined });
    await this.getTeamFor(scope, 'team.update', data.teamId);
    return this.tx.run(async (tx) => {
      const changes: { name?: string; approvalThreshold?: number | null } = {};
      if (data.name !== undefined) changes.name = data.name;
      if (data.approvalThreshold !== undefined) changes.approvalThreshold = data.approvalThreshold;
      const team = await this.repo.updateTeam(tx, data.teamId, changes);
      await this.audit.record(tx, { ...auditActor(scope), teamId: team.id, action: 'team.update', targetType: 'Team', targetId: team.id, data: changes });
      return team;
    });
  }

  async addMember(scope: RequestScope, input: { teamId: string; email: string; role: string }): Promise<MembershipRow> {
    const data = validate(addMemberInput, input);
    const { role: myRole } = await this.getTeamFor(scope, 'member.add', data.teamId);
    if (data.role === 'OWNER' && myRole !== 'OWNER') throw new DomainError(ErrorCode.FORBIDDEN, 'Only an owner can make someone an owner');
    const user = await this.repo.findUserByEmail(data.email);
    if (!user) throw userError(['email'], `email = "${data.email}": no Slicewise account has this email; ask them to sign up first`, 'NO_SUCH_USER');
    return this.tx.run(async (tx) => {
      if (await this.repo.findMembershipOf(data.teamId, user.id, tx)) {
        throw userError(['email'], `email = "${data.email}": already a member of this team`, 'ALREADY_MEMBER');
      }
      const m = await this.repo.addMember(tx, data.teamId, user.id, data.role);
      await this.audit.record(tx, { ...auditActor(scope), teamId: data.teamId, action: 'member.add', targetType: 'Membership', targetId: m.id, data: { userId: user.id, role: data.role } });
      return m;
    });
  }

  async changeRole(scope: RequestScope, membershipId: string, newRole: string): Promise<MembershipRow> {
    const r = validate(z.object({ role }), { role: newRole }).role;
    const m = await this.repo.findMembership(membershipId);
    if (!m) throw notFound('Membership', membershipId);
    const { role: myRole } = await scope.access.require('member.changeRole', m.teamId, { type: 'Membership', id: membershipId });
    if ((r === 'OWNER' || m.role === 'OWNER') && myRole !== 'OWNER') {
      throw new DomainError(ErrorCode.FORBIDDEN, 'Only an owner can grant or remove the OWNER role');
    }
    return this.tx.run(async (tx) => {
      if (m.role === 'OWNER' && r !== 'OWNER' && (await this.repo.countOwnersForUpdate(tx, m.teamId)) <= 1) {
        throw userError(['role'], 'role: the last owner cannot be demoted; make another member an owner first', 'LAST_OWNER');
      }
      const updated = await this.repo.setRole(tx, membershipId, r);
      await this.audit.record(tx, { ...auditActor(scope), teamId: m.teamId, action: 'member.changeRole', targetType: 'Membership', targetId: m.id, data: { from: m.role, to: r } });
      return updated;
    });
  }

  /** Admins remove others; anyone may remove themselves (leave). The last owner cannot go. */
  async removeMember(scope: RequestScope, membershipId: string): Promise<MembershipRow> {
    const m = await this.repo.findMembership(membershipId);
    if (!m) throw notFound('Membership', membershipId);
    const actor = scope.access.requireUser();
    const self = actor.userId === m.userId;
    if (self) await scope.access.require('team.read', m.teamId, { type: 'Membership', id: membershipId });
    else {
      const { role: myRole } = await scope.access.require('member.remove', m.teamId, { type: 'Membership', id: membershipId });
      if (m.role === 'OWNER' && myRole !== 'OWNER') throw new DomainError(ErrorCode.FORBIDDEN, 'Only an owner can remove an owner');
    }
    return this.tx.run(async (tx) => {
      if (m.role === 'OWNER' && (await this.repo.countOwnersForUpdate(tx, m.teamId)) <= 1) {
        throw userError(['membershipId'], 'The last owner cannot leave or be removed; make another member an owner first', 'LAST_OWNER');
      }
      await this.repo.removeMember(tx, membershipId);
      await this.audit.record(tx, { ...auditActor(scope), teamId: m.teamId, action: self ? 'member.leave' : 'member.remove', targetType: 'Membership', targetId: m.id, data: { userId: m.userId } });
      return m;
    });
  }

  async getMembership(scope: RequestScope, id: string): Promise<MembershipRow> {
    const m = await this.repo.findMembership(id);
    if (!m) throw notFound('Membership', id);
    await scope.access.require('team.read', m.teamId, { type: 'Membership', id });
    return m;
  }

  async membersOfTeams(teamIds: readonly string[], k: Keyset<TimeCursor>) {
    return this.repo.membersOfTeams(teamIds, k);
  }

  teamsByIds(ids: readonly string[]) {
    return this.repo.findTeamsByIds(ids);
  }

  private async getTeamFor(scope: RequestScope, action: 'team.update' | 'member.add', teamId: string) {
    const team = await this.repo.findTeam(teamId);
    if (!team) throw notFound('Team', teamId);
    return scope.access.require(action, teamId, { type: 'Team', id: teamId });
  }

  static atLeast = roleAtLeast;
}
