import type { Prisma } from '@slicewise/db';
import { numberKeyset, type Keyset } from '../common/keyset.ts';
import { clientOf, type Db, type Tx } from '../common/transaction.repository.ts';

export interface AuditRecord {
  teamId: string | null;
  actorUserId: string | null;
  actorTokenId: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  requestId: string | null;
  data?: Record<string, unknown>;
}

export interface AuditRow extends AuditRecord {
  id: bigint;
  data: Record<string, unknown>;
  createdAt: Date;
}

export interface AuditFilter {
  teamId: string;
  actorUserId?: string | undefined;
  action?: string | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
}

export class AuditRepository {
  constructor(private readonly db: Db) {}

  /** Must be called with the transaction of the change it records. */
  async record(tx: Tx, e: AuditRecord): Promise<void> {
    await clientOf(this.db, tx).auditEvent.create({
      data: { ...e, data: (e.data ?? {}) as Prisma.InputJsonValue },
    });
  }

  /** Newest first (by id). */
  async list(f: AuditFilter, k: Keyset<number>): Promise<AuditRow[]> {
    const q = numberKeyset('id', k, 'desc');
    const rows = await clientOf(this.db).auditEvent.findMany({
      ...q,
      where: {
        ...q.where,
        teamId: f.teamId,
        ...(f.actorUserId ? { actorUserId: f.actorUserId } : {}),
        ...(f.action ? { action: f.action } : {}),
        ...(f.since || f.until ? { createdAt: { ...(f.since ? { gte: f.since } : {}), ...(f.until ? { lt: f.until } : {}) } } : {}),
      },
    });
    return rows.map((r) => ({ ...r, data: r.data as Record<string, unknown> }));
  }

  async find(id: string): Promise<AuditRow | null> {
    const r = await clientOf(this.db).auditEvent.findUnique({ where: { id: BigInt(id) } });
    return r ? { ...r, data: r.data as Record<string, unknown> } : null;
  }

  async countAll(): Promise<number> {
    return clientOf(this.db).auditEvent.count();
  }
}
