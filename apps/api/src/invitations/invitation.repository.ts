// Invitations (links to join a team). Only the sha256 of the link's secret is stored.
import type { Role } from '../auth/permissions.ts';
import { clientOf, type Db, type Tx } from '../common/transaction.repository.ts';

export interface InvitationRow {
  id: string;
  teamId: string;
  role: Role;
  tokenHash: string;
  note: string;
  createdById: string;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  acceptedAt: Date | null;
  acceptedById: string | null;
}

export class InvitationRepository {
  constructor(private readonly db: Db) {}

  create(tx: Tx, data: { teamId: string; role: Role; tokenHash: string; note: string; createdById: string; expiresAt: Date }): Promise<InvitationRow> {
    return clientOf(this.db, tx).invitation.create({ data });
  }
  find(id: string, tx?: Tx): Promise<InvitationRow | null> {
    return clientOf(this.db, tx).invitation.findUnique({ where: { id } });
  }
  findByHash(tokenHash: string): Promise<InvitationRow | null> {
    return clientOf(this.db).invitation.findUnique({ where: { tokenHash } });
  }
  /** Locks the row so two people cannot accept one link at the same time. */
  async lockByHash(tx: Tx, tokenHash: string): Promise<InvitationRow | null> {
    const rows = await clientOf(this.db, tx).$queryRaw<{ id: string }[]>`SELECT id FROM "Invitation" WHERE "tokenHash" = ${tokenHash} FOR UPDATE`;
    return rows[0] ? this.find(rows[0].id, tx) : null;
  }
  /** Newest first; `open` = neither accepted nor revoked (expired ones included: the list shows them as expired). */
  listForTeam(teamId: string, opts: { open: boolean; take: number }): Promise<InvitationRow[]> {
    return clientOf(this.db).invitation.findMany({
      where: { teamId, ...(opts.open ? { acceptedAt: null, revokedAt: null } : {}) },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: opts.take,
    });
  }
  revoke(tx: Tx, id: string): Promise<InvitationRow> {
    return clientOf(this.db, tx).invitation.update({ where: { id }, data: { revokedAt: new Date() } });
  }
  markAccepted(tx: Tx, id: string, userId: string): Promise<InvitationRow> {
    return clientOf(this.db, tx).invitation.update({ where: { id }, data: { acceptedAt: new Date(), acceptedById: userId } });
  }
}
