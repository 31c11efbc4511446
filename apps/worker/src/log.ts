// Structured JSON logs (pino) on stdout: one object per line with level, time, msg and fields.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, bindings: Record<string, unknown> = {}): Logger {
  return pino({ level, base: { service: 'worker', ...bindings }, timestamp: pino.stdTimeFunctions.isoTime });
}
