// Transport-neutral domain errors. Services throw these; graphql/errors.ts maps every code to a
// GraphQL error in one exhaustive switch.
export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  BAD_INPUT: 'BAD_INPUT',
  CONFLICT: 'CONFLICT',
  RATE_LIMITED: 'RATE_LIMITED',
  LIMIT_EXCEEDED: 'LIMIT_EXCEEDED',
  /** A request body or upload over its size limit (HTTP 413). */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** The request ran past its time limit and was stopped (HTTP 503, retry later or ask for less). */
  TIMEOUT: 'TIMEOUT',
  /** Too much CPU work is queued right now (HTTP 503 with Retry-After). */
  BUSY: 'BUSY',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (what: string, id: string) =>
  new DomainError(ErrorCode.NOT_FOUND, `${what} ${JSON.stringify(id)} was not found`, { id });
export const forbidden = (message: string) => new DomainError(ErrorCode.FORBIDDEN, message);
export const unauthenticated = (message = 'Sign in or send an API token (Authorization: Bearer ...)') =>
  new DomainError(ErrorCode.UNAUTHENTICATED, message);
export const badInput = (field: string, message: string) => new DomainError(ErrorCode.BAD_INPUT, message, { field });

/** A validation problem reported to the caller in a mutation payload's userErrors. */
export interface UserErrorShape {
  field: string[];
  message: string;
  code: string;
}

/** Returned by services for expected validation failures (nothing was written). */
export class ValidationFailed extends Error {
  constructor(readonly userErrors: UserErrorShape[]) {
    super(userErrors.map((e) => `${e.field.join('.')}: ${e.message}`).join('; '));
    this.name = 'ValidationFailed';
  }
}
