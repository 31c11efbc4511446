// The ONE place where errors become GraphQL errors. Domain codes map exhaustively (the compiler
// rejects an unmapped code); anything unknown is logged with the request id and masked.
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { DomainError, ErrorCode, ValidationFailed } from '../common/errors.ts';

interface Mapped {
  code: string;
  http: number;
}

export function mapCode(code: ErrorCode): Mapped {
  switch (code) {
    case ErrorCode.UNAUTHENTICATED:
      return { code: 'UNAUTHENTICATED', http: 401 };
    case ErrorCode.FORBIDDEN:
      return { code: 'FORBIDDEN', http: 403 };
    case ErrorCode.NOT_FOUND:
      return { code: 'NOT_FOUND', http: 404 };
    case ErrorCode.BAD_INPUT:
      return { code: 'BAD_USER_INPUT', http: 400 };
    case ErrorCode.CONFLICT:
      return { code: 'CONFLICT', http: 409 };
    case ErrorCode.RATE_LIMITED:
      return { code: 'RATE_LIMITED', http: 429 };
    case ErrorCode.LIMIT_EXCEEDED:
      return { code: 'LIMIT_EXCEEDED', http: 400 };
    case ErrorCode.PAYLOAD_TOO_LARGE:
      return { code: 'PAYLOAD_TOO_LARGE', http: 413 };
    case ErrorCode.TIMEOUT:
      return { code: 'TIMEOUT', http: 503 };
    case ErrorCode.BUSY:
      return { code: 'SERVICE_BUSY', http: 503 };
    default: {
      const unmapped: never = code;
      throw new Error(`unmapped error code ${String(unmapped)}`);
    }
  }
}

/** GraphQL error codes raised by the server itself (not domain errors), with their HTTP status. */
const TRANSPORT_CODES: Record<string, number> = {
  GRAPHQL_PARSE_FAILED: 400,
  GRAPHQL_VALIDATION_FAILED: 400,
  BAD_USER_INPUT: 400,
  BAD_REQUEST: 400,
  PERSISTED_QUERY_NOT_FOUND: 400,
  OPERATION_RESOLUTION_FAILURE: 400,
  QUERY_TOO_COMPLEX: 400,
  QUERY_TOO_DEEP: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  LIMIT_EXCEEDED: 400,
  TIMEOUT: 503,
  SERVICE_BUSY: 503,
  INTERNAL_SERVER_ERROR: 500,
};

/** The HTTP status of a GraphQL error code (500 for anything unknown). */
export function httpStatusOf(code: unknown): number {
  return (typeof code === 'string' && TRANSPORT_CODES[code]) || 500;
}

/**
 * The status of a response that carries errors and no usable data: a client mistake is a 4xx, an
 * overloaded or timed-out server a 503, and only an unexpected failure a 500 (the most severe wins).
 */
export function responseStatusOf(codes: unknown[]): number {
  const statuses = codes.map(httpStatusOf);
  if (statuses.includes(500)) return 500;
  if (statuses.includes(503)) return 503;
  return statuses[0] ?? 200;
}

/**
 * The database could not take the work in time (every pooled connection busy): Prisma's "Unable to start a
 * transaction in the given time" (P2028) and "Timed out fetching a new connection from the connection pool"
 * (P2024), or pg's pool timeout. The request did nothing; the client should retry shortly (503 + retry-after),
 * not be told the server broke (500).
 */
export function isDatabaseBusy(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.code === 'P2028' || e.code === 'P2024') return true;
  const m = typeof e.message === 'string' ? e.message : '';
  return /Unable to start a transaction in the given time|Timed out fetching a new connection from the connection pool|timeout exceeded when trying to connect/.test(m);
}

/** Apollo's formatError: known errors keep their message and code; unknown ones are masked. */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (isDatabaseBusy(original)) {
    return { message: 'The database is busy with other requests; nothing was changed. Retry in a few seconds.', path: formatted.path, extensions: { code: 'SERVICE_BUSY' } };
  }
  if (original instanceof DomainError) {
    return { ...formatted, message: original.message, extensions: { ...stripStack(formatted.extensions), code: mapCode(original.code).code, ...original.details } };
  }
  if (original instanceof ValidationFailed) {
    // A validation failure outside a mutation payload (e.g. query arguments).
    return { ...formatted, message: original.message, extensions: { ...stripStack(formatted.extensions), code: 'BAD_USER_INPUT', userErrors: original.userErrors } };
  }
  // GraphQLErrors raised on purpose (parse/validation, limits, bad credentials) carry their own code.
  const code = formatted.extensions?.code;
  if (original instanceof GraphQLError && !original.originalError && original.extensions?.code && String(original.extensions.code) !== 'INTERNAL_SERVER_ERROR') {
    return { ...formatted, extensions: stripStack(formatted.extensions) };
  }
  if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR' && code in TRANSPORT_CODES) return { ...formatted, extensions: stripStack(formatted.extensions) };
  return { message: 'Internal server error; quote the requestId when reporting it', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

/** Never a stack trace in a response, whatever a library put there. */
function stripStack(ext: GraphQLFormattedError['extensions']): Record<string, unknown> {
  if (!ext) return {};
  const { stacktrace: _s, exception: _e, ...rest } = ext as Record<string, unknown>;
  return rest;
}

/** True for errors that are not expected (they are logged with their stack). */
export function isUnexpected(error: unknown): boolean {
  const original = unwrapResolverError(error);
  if (isDatabaseBusy(original)) return false;
  if (original instanceof DomainError || original instanceof ValidationFailed) return false;
  if (original instanceof GraphQLError && original.extensions?.code) return String(original.extensions.code) === 'INTERNAL_SERVER_ERROR';
  return !(original instanceof GraphQLError) || !!original.originalError;
}
