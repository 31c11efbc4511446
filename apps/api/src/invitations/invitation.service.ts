// Invitations: an owner or admin creates a link for a role (expiring, single use, revocable); whoever
// holds it signs in (or up) and joins the team with that role. No email server: the admin shares the
// link. Every step is audited; the secret is shown once and stored as a hash.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { AuditRepository } from '../audit/audit.repository.ts';
import { ROLES, type Role } from '../auth/permissions.ts';
import { sha256Hex } from '../auth/secrets.ts';
import { DomainError, ErrorCode, notFound } from '../common/errors.ts';
import { auditActor, type RequestScope } from '../common/request-scope.ts';
import type { TransactionRunner } from '../common/transaction.repository.ts';
import { userError, validate } from '../common/validation.ts';
import type { MembershipRow, TeamRepository, TeamRow } from '../teams/team.repository.ts';
import type { InvitationRepository, InvitationRow } from './invitation.repository.ts';

export const INVITATION_PREFIX = 'swi_';
/** Default and most hours an invitation stays valid. */
export const INVITATION_TTL_HOURS = { default: 168, max: 720 } as const;

export type InvitationState = 'PENDING' | 'ACCEPTED' | 'REVOKED' | 'EXPIRED';

export function invitationState(i: Pick<InvitationRow, 'acceptedAt' | 'revokedAt' | 'expiresAt'>, now = new Date()): InvitationState {
  if (i.acceptedAt) return 'ACCEPTED';
  if (i.revokedAt) return 'REVOKED';
  return i.expiresAt <= now ? 'EXPIRED' : 'PENDING';
}

const createInput = z.object({
  teamId: z.string(),
  role: z.enum(ROLES, { message: `must be one of ${ROLES.join(', ')}` }),
  expiresInHours: z
    .number()
    .int('must be a whole number of hours')
    .min(1, 'must be at least 1 hour')
    .max(INVITATION_TTL_HOURS.max, `at most ${INVITATION_TTL_HOURS.max} hours (30 days)`)
    .default(INVITATION_TTL_HOURS.default),
  note: z.string().trim().max(200, 'at most 200 characters').default(''),
});
const secretInput = z.object({ secret: z.string().regex(/^swi_[A-Za-z0-9_-]{20,100}$/, 'is not an invitation link secret (swi_…)') });

export interface InvitationPreview {
  teamName: string;
  role: Role;
  invitedBy: string | null;
  expiresAt: Date;
  state: InvitationState;
}

export class InvitationService {
  constructor(
    private readonly repo: InvitationRepository,
    private readonly teams: TeamRepository,
    private readonly users: { findUsersByIds(ids: readonly string[]): Promise<{ id: string; name: string }[]> },
    private readonly audit: AuditRepository,
    private readonly tx: TransactionRunner,
  ) {}

  async create(scope: RequestScope, input: { teamId: string; role: string; expiresInHours?: number | null; note?: string | null }): Promise<{ invitation: InvitationRow; secret: string }> {
    const user = scope.access.requireUser();
    const data = validate(createInput, { ...input, expiresInHours: input.expiresInHours ?? undefined, note: input.note ?? undefined });
    const team = await this.teams.findTeam(data.teamId);
    if (!team) throw notFound('Team', data.teamId);
    const { role: myRole } = await scope.access.require('member.add', team.id, { type: 'Team', id: team.id });
    if (data.role === 'OWNER' && myRole !== 'OWNER') throw new DomainError(ErrorCode.FORBIDDEN, 'Only an owner can invite someone as an owner');
    const secret = INVITATION_PREFIX + randomBytes(24).toString('base64url');
    const expiresAt = new Date(Date.now() + data.expiresInHours * 3600_000);
    return this.tx.run(async (tx) => {
      const invitation = await this.repo.create(tx, { teamId: team.id, role: data.role, tokenHash: sha256Hex(secret), note: data.note, createdById: user.userId, expiresAt });
      await this.audit.record(tx, {
        ...auditActor(scope),
        teamId: team.id,
        action: 'invitation.create',
        targetType: 'Invitation',
        targetId: invitation.id,
        data: { role: data.role, expiresAt: expiresAt.toISOString(), note: data.note },
      });
      return { invitation, secret };
    });
  }

  /** One invitation (admins: `member.add`; others of the team get FORBIDDEN, outsiders NOT_FOUND). */
  async get(scope: RequestScope, id: string): Promise<InvitationRow> {
    const inv = await this.repo.find(id);
    if (!inv) throw notFound('Invitation', id);
    await scope.access.require('member.add', inv.teamId, { type: 'Invitation', id });
    return inv;
  }

  /** The team's invitations, newest first (admins: `member.add`). */
  async list(scope: RequestScope, teamId: string, open: boolean): Promise<InvitationRow[]> {
    await scope.access.require('member.add', teamId, { type: 'Team', id: teamId });
    return this.repo.listForTeam(teamId, { open, take: 100 });
  }

  async revoke(scope: RequestScope, invitationId: string): Promise<InvitationRow> {
    const inv = await this.repo.find(invitationId);
    if (!inv) throw notFound('Invitation', invitationId);
    const { role: myRole } = await scope.access.require('member.add', inv.teamId, { type: 'Invitation', id: invitationId });
    if (inv.role === 'OWNER' && myRole !== 'OWNER') throw new DomainError(ErrorCode.FORBIDDEN, 'Only an owner can revoke an owner invitation');
    const state = invitationState(inv);
    if (state === 'ACCEPTED') throw userError(['invitationId'], 'this invitation was already accepted; remove the member instead', 'ALREADY_ACCEPTED');
    if (state === 'REVOKED') return inv;
    return this.tx.run(async (tx) => {
      const revoked = await this.repo.revoke(tx, inv.id);
      await this.audit.record(tx, { ...auditActor(scope), teamId: inv.teamId, action: 'invitation.revoke', targetType: 'Invitation', targetId: inv.id, data: { role: inv.role, wasExpired: state === 'EXPIRED' } });
      return revoked;
    });
  }

  /** What the link's holder may see before signing in: the team, the role, who invited, and whether it still works. */
  async preview(secret: string): Promise<InvitationPreview | null> {
    const parsed = secretInput.safeParse({ secret });
    if (!parsed.success) return null;
    const inv = await this.repo.findByHash(sha256Hex(parsed.data.secret));
    if (!inv) return null;
    const [team, inviter] = await Promise.all([this.teams.findTeam(inv.teamId), this.users.findUsersByIds([inv.createdById])]);
    if (!team) return null;
    return { teamName: team.name, role: inv.role, invitedBy: inviter[0]?.name ?? null, expiresAt: inv.expiresAt, state: invitationState(inv) };
  }

  /** The signed-in user joins the team with the invitation's role; the link is used up. */
  async accept(scope: RequestScope, secret: string): Promise<{ membership: MembershipRow; team: TeamRow }> {
    const user = scope.access.requireUser();
    const { secret: s } = validate(secretInput, { secret });
    return this.tx.run(async (tx) => {
      const inv = await this.repo.lockByHash(tx, sha256Hex(s));
      if (!inv) throw userError(['secret'], 'This invitation link is not valid: check that it was copied whole, or ask for a new one', 'INVALID_INVITATION');
      const state = invitationState(inv);
      if (state === 'ACCEPTED') throw userError(['secret'], 'This invitation link was already used; ask the team\'s admin for a new one', 'INVITATION_USED');
      if (state === 'REVOKED') throw userError(['secret'], 'This invitation was revoked by the team\'s admin', 'INVITATION_REVOKED');
      if (state === 'EXPIRED') throw userError(['secret'], `This invitation expired on ${inv.expiresAt.toISOString()}; ask the team's admin for a new one`, 'INVITATION_EXPIRED');
      const team = (await this.teams.findTeam(inv.teamId))!;
      // Already a member: nothing to do, and the link stays usable for the person it was meant for.
      if (await this.teams.findMembershipOf(inv.teamId, user.userId, tx)) throw userError(['secret'], `You are already a member of ${team.name}`, 'ALREADY_MEMBER');
      const membership = await this.teams.addMember(tx, inv.teamId, user.userId, inv.role);
      await this.repo.markAccepted(tx, inv.id, user.userId);
      await this.audit.record(tx, {
        ...auditActor(scope),
        teamId: inv.teamId,
        action: 'invitation.accept',
        targetType: 'Invitation',
        targetId: inv.id,
        data: { role: inv.role, membershipId: membership.id, invitedBy: inv.createdById },
      });
      return { membership, team };
    });
  }
}
