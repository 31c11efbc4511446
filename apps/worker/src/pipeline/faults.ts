/**
 * What went wrong with an attempt decides what it costs (issue: honest retries):
 *   - a generation failure (the pipeline threw) uses the volume's retry budget (pg-boss retry with backoff);
 *   - a PermanentError (invalid spec, impossible condition, bad settings) fails the volume at once;
 *   - an interruption (JobAborted: shutdown, claim taken over; or infrastructure: the database or the file
 *     storage unreachable) does not use the budget: the job is handed back, with its own, larger bound
 *     (MAX_INTERRUPTIONS), counted from the attempt history.
 */
import { StorageError } from '@slicewise/storage';

/** An error no retry can fix (invalid spec, impossible condition): the volume fails at once. */
export class PermanentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentError';
  }
}

export type AbortReason = 'cancelled' | 'shutdown' | 'lease-lost';

export class JobAborted extends Error {
  constructor(readonly reason: AbortReason) {
    super(`volume job aborted: ${reason}`);
    this.name = 'JobAborted';
  }
}

// PostgreSQL SQLSTATEs of a lost or refused connection (class 08, admin shutdown 57P01-57P03) and the
// network errors of node; Prisma reports connectivity as P1001/P1002/P1008/P1017.
const PG_CODES = new Set(['08000', '08001', '08003', '08004', '08006', '57P01', '57P02', '57P03', 'P1001', 'P1002', 'P1008', 'P1017']);
const NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const MESSAGE = /Connection terminated|connection (was )?closed|server closed the connection|Can't reach database server|terminating connection|ECONNREFUSED|ECONNRESET|Timed out fetching a new connection/i;

/** True for faults of the infrastructure (database or storage unreachable), not of the volume being generated. */
export function isInfrastructureError(e: unknown): boolean {
  for (let cur: unknown = e, depth = 0; cur && depth < 6; depth++) {
    if (cur instanceof StorageError) return cur.code === 'IO';
    const o = cur as { code?: unknown; message?: unknown; cause?: unknown; name?: unknown };
    if (typeof o.code === 'string' && (PG_CODES.has(o.code) || NET_CODES.has(o.code))) return true;
    if (o.name === 'PrismaClientInitializationError') return true;
    if (typeof o.message === 'string' && MESSAGE.test(o.message)) return true;
    cur = o.cause;
  }
  return false;
}
