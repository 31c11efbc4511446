import type { Prisma, Webhook, WebhookDelivery } from '@slicewise/db';
import { clientOf, type Db, type Tx } from '../common/transaction.repository.ts';

export type WebhookRow = Webhook;
export type DeliveryRow = WebhookDelivery;

export class WebhookRepository {
  constructor(private readonly db: Db) {}

  create(tx: Tx, w: { teamId: string; url: string; secret: string; events: string[] }): Promise<WebhookRow> {
    return clientOf(this.db, tx).webhook.create({ data: w });
  }
  find(id: string): Promise<WebhookRow | null> {
    return clientOf(this.db).webhook.findUnique({ where: { id } });
  }
  deactivate(tx: Tx, id: string): Promise<WebhookRow> {
    return clientOf(this.db, tx).webhook.update({ where: { id }, data: { active: false } });
  }
  listForTeam(teamId: string): Promise<WebhookRow[]> {
    return clientOf(this.db).webhook.findMany({ where: { teamId }, orderBy: { createdAt: 'desc' } });
  }
  deliveries(webhookId: string, take: number): Promise<DeliveryRow[]> {
    return clientOf(this.db).webhookDelivery.findMany({ where: { webhookId }, orderBy: { createdAt: 'desc' }, take });
  }

  /** Outbox: one delivery per active webhook of the team subscribed to the event, in the caller's transaction. */
  async enqueue(tx: Tx, teamId: string, event: string, payload: Record<string, unknown>): Promise<number> {
    const c = clientOf(this.db, tx);
    const hooks = await c.webhook.findMany({ where: { teamId, active: true, events: { has: event } }, select: { id: true } });
    if (hooks.length === 0) return 0;
    await c.webhookDelivery.createMany({ data: hooks.map((h) => ({ webhookId: h.id, event, payload: payload as Prisma.InputJsonValue })) });
    return hooks.length;
  }

  /**
   * Claims due deliveries for one dispatcher: their next attempt is pushed out by `leaseSeconds` and
   * the attempt counted, so a crashed dispatcher's claims come back after the lease.
   */
  claimDue(limit: number, leaseSeconds: number): Promise<(DeliveryRow & { url: string; secret: string })[]> {
    return clientOf(this.db).$queryRaw<(DeliveryRow & { url: string; secret: string })[]>`
      WITH due AS (
        SELECT d.id FROM "WebhookDelivery" d
        WHERE d.status = 'PENDING' AND d."nextAttemptAt" <= now()
        ORDER BY d."nextAttemptAt" LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      UPDATE "WebhookDelivery" d SET attempts = d.attempts + 1, "nextAttemptAt" = now() + make_interval(secs => ${leaseSeconds})
      FROM due, "Webhook" w WHERE d.id = due.id AND w.id = d."webhookId"
      RETURNING d.*, w.url, w.secret`;
  }
  async delivered(id: string, code: number): Promise<void> {
    await clientOf(this.db).webhookDelivery.update({ where: { id }, data: { status: 'DELIVERED', responseCode: code, deliveredAt: new Date(), lastError: null } });
  }
  async failed(id: string, error: string, code: number | null, retryAt: Date | null): Promise<void> {
    await clientOf(this.db).webhookDelivery.update({
      where: { id },
      data: { status: retryAt ? 'PENDING' : 'FAILED', responseCode: code, lastError: error.slice(0, 1000), ...(retryAt ? { nextAttemptAt: retryAt } : {}) },
    });
  }
}
