import type { Response } from 'express';
import type { AccessService } from '../auth/access.service.ts';
import type { Logger } from '../common/logger.ts';
import type { RequestScope } from '../common/request-scope.ts';
import type { Loaders } from './loaders.ts';
import type { Services } from '../services.ts';

export interface Context extends RequestScope {
  requestId: string;
  access: AccessService;
  services: Services;
  loaders: Loaders;
  logger: Logger;
  ip: string;
  userAgent: string | null;
  /** Sets or clears the session cookie on the HTTP response. */
  setSessionCookie(secret: string | null, expiresAt?: Date): void;
  res: Response | null;
  /** HMAC key of short-lived download links. */
  signingSecret: string;
  /** Whose query budget this request spends (token, user, or client address). */
  budgetKey: string;
  /** Query cost, set by the cost plugin. */
  cost?: number;
}
