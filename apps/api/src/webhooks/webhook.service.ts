// Webhooks: a team subscribes a URL to events (cohort.completed, dataset.published). Deliveries are
// an outbox (rows written with the event); the dispatcher signs each with HMAC-SHA256, retries with
// exponential backoff, and keeps the delivery log.
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { z } from 'zod';
import type { AuditRepository } from '../audit/audit.repository.ts';
import { notFound } from '../common/errors.ts';
import type { Logger } from '../common/logger.ts';
import { auditActor, type RequestScope } from '../common/request-scope.ts';
import type { TransactionRunner } from '../common/transaction.repository.ts';
import { userError, validate } from '../common/validation.ts';
import { checkLiteral, checkTarget, guardedLookup, TargetRefused } from './target-guard.ts';
import type { WebhookRepository } from './webhook.repository.ts';

export const WEBHOOK_EVENTS = ['cohort.completed', 'dataset.published'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
/** What each event announces (the web app lists these; GraphQL webhookEvents). */
export const WEBHOOK_EVENT_DESCRIPTIONS: Record<WebhookEvent, string> = {
  'cohort.completed': 'a cohort finished generating',
  'dataset.published': 'a new dataset version was published',
};

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

export interface WebhookPolicy {
  /** Allow loopback/private/link-local targets (WEBHOOK_ALLOW_PRIVATE_TARGETS; tests and labs only). */
  allowPrivateTargets: boolean;
}

export class WebhookService {
  constructor(
    private readonly repo: WebhookRepository,
    private readonly audit: AuditRepository,
    private readonly tx: TransactionRunner,
    private readonly policy: WebhookPolicy = { allowPrivateTargets: false },
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
    try {
      await checkTarget(data.url, this.policy.allowPrivateTargets);
    } catch (err) {
      if (err instanceof TargetRefused) throw userError(['url'], `url = "${data.url}": ${err.message}`, 'TARGET_NOT_PUBLIC');
      throw err;
    }
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

  async get(scope: RequestScope, id: string) {
    const w = await this.repo.find(id);
    if (!w) throw notFound('Webhook', id);
    await scope.access.require('webhook.manage', w.teamId, { type: 'Webhook', id });
    return w;
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
    // Stopping aborts deliveries in flight (they are retried after restart) instead of waiting them out.
    const stopping = new AbortController();
    const loop = (async () => {
      while (!stopped) {
        try {
          const due = await this.repo.claimDue(10, Math.ceil(config.timeoutMs / 1000) + 30);
          for (const d of due) {
            if (stopped) break;
            await this.send(d, config, logger, stopping.signal);
          }
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
        stopping.abort();
        wake?.();
        await loop;
      },
    };
  }

  private async send(d: Awaited<ReturnType<WebhookRepository['claimDue']>>[number], config: DispatchConfig, logger: Logger, signal: AbortSignal) {
    const body = JSON.stringify({ id: d.id, event: d.event, createdAt: d.createdAt, data: d.payload });
    const timestamp = String(Math.floor(Date.now() / 1000));
    let code: number | null = null;
    try {
      code = await this.post(d.url, body, {
        'content-type': 'application/json',
        'user-agent': 'Slicewise-Webhooks/1',
        'x-slicewise-event': d.event,
        'x-slicewise-delivery': d.id,
        'x-slicewise-timestamp': timestamp,
        'x-slicewise-signature': signWebhook(d.secret, timestamp, body),
      }, AbortSignal.any([signal, AbortSignal.timeout(config.timeoutMs)]));
      if (code >= 200 && code < 300) {
        await this.repo.delivered(d.id, code);
        return;
      }
      throw new Error(`HTTP ${code}`);
    } catch (err) {
      // A refused target is final: it will not become public by retrying.
      const refused = err instanceof TargetRefused;
      const retry = !refused && d.attempts < config.maxAttempts;
      const delay = config.backoffBaseSeconds * 2 ** (d.attempts - 1);
      await this.repo.failed(d.id, refused ? `refused: ${err.message}` : String(err instanceof Error ? err.message : err), code, retry ? new Date(Date.now() + delay * 1000) : null);
      logger.info({ delivery: d.id, attempt: d.attempts, retry, code, refused }, 'webhook delivery failed');
    }
  }

  /** POSTs with node:http(s) so the connection's address is checked (guardedLookup); no redirects. */
  private post(url: string, body: string, headers: Record<string, string>, signal: AbortSignal): Promise<number> {
    const u = new URL(url);
    checkLiteral(u, this.policy.allowPrivateTargets);
    const lib = u.protocol === 'https:' ? https : http;
    return new Promise<number>((resolve, reject) => {
      const req = lib.request(u, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, lookup: guardedLookup(this.policy.allowPrivateTargets), signal }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', (e) => reject(e instanceof TargetRefused || (e as { cause?: unknown }).cause instanceof TargetRefused ? (e instanceof TargetRefused ? e : (e as { cause: TargetRefused }).cause) : e));
      req.end(body);
    });
  }
}
