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
    default: {
      const unmapped: never = code;
      throw new Error(`unmapped error code ${String(unmapped)}`);
    }
  }
}

/** Apollo's formatError: known errors keep their message and code; unknown ones are masked. */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof DomainError) {
    return { ...formatted, message: original.message, extensions: { ...formatted.extensions, code: mapCode(original.code).code, ...original.details } };
  }
  if (original instanceof ValidationFailed) {
    // A validation failure outside a mutation payload (e.g. query arguments).
    return { ...formatted, message: original.message, extensions: { ...formatted.extensions, code: 'BAD_USER_INPUT', userErrors: original.userErrors } };
  }
  // GraphQLErrors raised on purpose (parse/validation, limits, bad credentials) carry their own code.
  if (original instanceof GraphQLError && !original.originalError && original.extensions?.code) return formatted;
  const code = formatted.extensions?.code;
  const known = ['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'PERSISTED_QUERY_NOT_FOUND', 'BAD_REQUEST', 'OPERATION_RESOLUTION_FAILURE', 'QUERY_TOO_COMPLEX', 'QUERY_TOO_DEEP'];
  if (typeof code === 'string' && known.includes(code)) return formatted;
  if (original instanceof GraphQLError && original.extensions?.code && known.includes(String(original.extensions.code))) return formatted;
  return { message: 'Internal server error; quote the requestId when reporting it', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

/** True for errors that are not expected (they are logged with their stack). */
export function isUnexpected(error: unknown): boolean {
  const original = unwrapResolverError(error);
  if (original instanceof DomainError || original instanceof ValidationFailed) return false;
  if (original instanceof GraphQLError && original.extensions?.code) return String(original.extensions.code) === 'INTERNAL_SERVER_ERROR';
  return !(original instanceof GraphQLError) || !!original.originalError;
}
