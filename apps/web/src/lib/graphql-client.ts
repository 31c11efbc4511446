// One place that talks HTTP to the API. Operations are typed documents generated from
// apps/api/schema.graphql (src/generated/gql); the browser posts them to same-origin /graphql,
// which next.config.ts forwards to the API with the session cookie.
import type { TypedDocumentString } from '@/generated/gql/graphql';

/** A GraphQL error from the API: `code` is extensions.code (NOT_FOUND, FORBIDDEN, ...). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly requestId: string | null,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string; requestId?: string } }[];
}

export async function gqlRequest<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
  init: { signal?: AbortSignal } = {},
): Promise<TResult> {
  let res: Response;
  try {
    res = await fetch('/graphql', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: document.toString(), variables }),
      signal: init.signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError('The API could not be reached. Check your connection and try again.', 'NETWORK_ERROR', null, 0);
  }
  let body: GraphQLResponse<TResult>;
  try {
    body = (await res.json()) as GraphQLResponse<TResult>;
  } catch {
    throw new ApiError(`The API answered HTTP ${res.status} without a GraphQL body.`, res.status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_RESPONSE', res.headers.get('x-request-id'), res.status);
  }
  const first = body.errors?.[0];
  if (first) {
    throw new ApiError(first.message, first.extensions?.code ?? 'INTERNAL_SERVER_ERROR', first.extensions?.requestId ?? null, res.status);
  }
  if (!body.data) throw new ApiError('The API returned no data.', 'BAD_RESPONSE', null, res.status);
  return body.data;
}

export interface UserErrorLike {
  field: readonly string[];
  message: string;
  code: string;
}


/**
 * Splits a payload's userErrors into per-form-field messages (by the last path element, e.g.
 * ["input","email"] -> "email") and the rest, which the form shows above its buttons.
 */
export function splitUserErrors(errors: readonly UserErrorLike[], formFields: readonly string[]): { fields: Record<string, string>; general: string[] } {
  const fields: Record<string, string> = {};
  const general: string[] = [];
  for (const e of errors) {
    const name = e.field[e.field.length - 1];
    if (name && formFields.includes(name) && !fields[name]) fields[name] = e.message;
    else general.push(e.message);
  }
  return { fields, general };
}
