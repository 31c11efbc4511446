// Webhooks: a team subscribes a URL to events (cohort.completed, dataset.published). Deliveries are
// an outbox (rows written with the event); the dispatcher signs each with HMAC-SHA256, retries with
// exponential backoff, and keeps the delivery log.
import { createHmac, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { AuditRepository } from '../audit/audit.repository.ts';
import { notFound } from '../common/errors.ts';
import type { Logger } from '../common/logger.ts';
import { auditActor, type RequestScope } from '../common/request-scope.ts';
import type { TransactionRunner } from '../common/transaction.repository.ts';
import { validate } from '../common/validation.ts';
import type { WebhookRepository } from './webhook.repository.ts';

export const WEBHOOK_EVENTS = ['cohort.completed', 'dataset.published'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`, as sent in x-slicewise-signature. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export interface DispatchConfig {
  pollMs: number;
  maxAttempts: number;
  backoffBaseSeconds: number;
  timeoutMs: number;
}

export class WebhookService {
  constructor(
    private readonly repo: WebhookRepository,
    private readonly audit: AuditRepository,
    private readonly tx: TransactionRunner,
  ) {}

  async create(scope: RequestScope, input: { teamId: string; url: string; events: string[] }) {
    const data = validate(
      z.object({
        url: z.string().url('must be an absolute http(s) URL').max(2000).refine((u) => /^https?:\/\//.test(u), 'must use http or https'),
        events: z.array(z.enum(WEBHOOK_EVENTS, { message: `must be one of ${WEBHOOK_EVENTS.join(', ')}` })).min(1, 'subscribe to at least one event'),
      }),
      input,
    );
    await scope.access.require('webhook.manage', input.teamId, { type: 'Team', id: input.teamId });
    const secret = `whsec_${randomBytes(24).toString('base64url')}`;
    return this.tx.run(async (tx) => {
      const w = await this.repo.create(tx, { teamId: input.teamId, url: data.url, secret, events: [...new Set(data.events)] });
      await this.audit.record(tx, { ...auditActor(scope), teamId: input.teamId, action: 'webhook.create', targetType: 'Webhook', targetId: w.id, data: { url: data.url, events: w.events } });
      return { webhook: w, secret };
    });
  }

  async deactivate(scope: RequestScope, id: string) {
    const w = await this.repo.find(id);
    if (!w) throw notFound('Webhook', id);
    await scope.access.require('webhook.manage', w.teamId, { type: 'Webhook', id });
    return this.tx.run(async (tx) => {
      const out = await this.repo.deactivate(tx, id);
      await this.audit.record(tx, { ...auditActor(scope), teamId: w.teamId, action: 'webhook.delete', targetType: 'Webhook', targetId: id });
      return out;
    });
  }

  async list(scope: RequestScope, teamId: string) {
    await scope.access.require('webhook.manage', teamId, { type: 'Team', id: teamId });
    return this.repo.listForTeam(teamId);
  }

  deliveries(webhookId: string, take: number) {
    return this.repo.deliveries(webhookId, take);
  }

  /** Sends due deliveries until stopped. */
  startDispatcher(config: DispatchConfig, logger: Logger): { stop(): Promise<void> } {
    let stopped = false;
    let wake: (() => void) | null = null;
    const loop = (async () => {
      while (!stopped) {
        try {
          const due = await this.repo.claimDue(10, Math.ceil(config.timeoutMs / 1000) + 30);
          for (const d of due) await this.send(d, config, logger);
          if (due.length > 0) continue;
        } catch (err) {
          logger.warn({ err: String(err) }, 'webhook dispatch failed; retrying');
        }
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, config.pollMs);
        });
      }
    })();
    return {
      async stop() {
        stopped = true;
        wake?.();
        await loop;
      },
    };
  }

  private async send(d: Awaited<ReturnType<WebhookRepository['claimDue']>>[number], config: DispatchConfig, logger: Logger) {
    const body = JSON.stringify({ id: d.id, event: d.event, createdAt: d.createdAt, data: d.payload });
    const timestamp = String(Math.floor(Date.now() / 1000));
    let code: number | null = null;
    try {
      const res = await fetch(d.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Slicewise-Webhooks/1',
          'x-slicewise-event': d.event,
          'x-slicewise-delivery': d.id,
          'x-slicewise-timestamp': timestamp,
          'x-slicewise-signature': signWebhook(d.secret, timestamp, body),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(config.timeoutMs),
      });
      code = res.status;
      await res.body?.cancel();
      if (res.status >= 200 && res.status < 300) {
        await this.repo.delivered(d.id, res.status);
        return;
      }
      throw new Error(`HTTP ${res.status}`);
    } catch (err) {
      const retry = d.attempts < config.maxAttempts;
      const delay = config.backoffBaseSeconds * 2 ** (d.attempts - 1);
      await this.repo.failed(d.id, String(err instanceof Error ? err.message : err), code, retry ? new Date(Date.now() + delay * 1000) : null);
      logger.info({ delivery: d.id, attempt: d.attempts, retry, code }, 'webhook delivery failed');
    }
  }
}
