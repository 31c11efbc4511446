// Plain-language messages for the API's error codes (extensions.code; README "Calling the API"). The
// API's own message stays available as the detail (it names the field and the value).
import { ApiError } from './graphql-client';

const PLAIN: Record<string, string> = {
  UNAUTHENTICATED: 'You are signed out. Sign in again to continue.',
  FORBIDDEN: 'Your role in this team does not allow this. A team owner or admin can do it, or change your role.',
  NOT_FOUND: 'This does not exist, or it belongs to a team you are not a member of.',
  BAD_USER_INPUT: 'Part of the request is not valid.',
  RATE_LIMITED: 'Too many attempts in a short time. Wait a minute, then try again.',
  LIMIT_EXCEEDED: 'This is beyond what this deployment allows.',
  CONFLICT: 'Someone changed this at the same time. Reload the page and try again.',
  QUERY_TOO_COMPLEX: 'This page asked for too much at once. Reload it; if it happens again, report it with the request id.',
  QUERY_TOO_DEEP: 'This page asked for too much at once. Reload it; if it happens again, report it with the request id.',
  NETWORK_ERROR: 'The server could not be reached. Check your connection and try again.',
  API_UNREACHABLE: 'The web server cannot reach the Slicewise API. Is the API running?',
  BAD_RESPONSE: 'The server sent an answer the app does not understand. Try again in a moment.',
  INTERNAL_SERVER_ERROR: 'Something went wrong on the server. Try again; if it keeps happening, report the request id.',
};

/** What to tell a person about an error: a plain sentence, and the API's precise message when it adds something. */
export function describeError(err: unknown): { message: string; detail: string | null; code: string | null; requestId: string | null } {
  if (err instanceof ApiError) {
    const plain = PLAIN[err.code];
    if (!plain) return { message: err.message, detail: null, code: err.code, requestId: err.requestId };
    // Validation and limit messages name the field and value: keep them as the detail.
    const detail = err.message && err.message !== plain ? err.message : null;
    return { message: plain, detail, code: err.code, requestId: err.requestId };
  }
  if (err instanceof Error) return { message: err.message, detail: null, code: null, requestId: null };
  return { message: String(err), detail: null, code: null, requestId: null };
}

/** One line for alerts beside a form: the plain message, then the API's detail. */
export function errorLine(err: unknown): string {
  const d = describeError(err);
  return d.detail ? `${d.message} (${d.detail})` : d.message;
}

/**
 * Runs a mutation behind a row action (revoke, remove, change role) and returns the message to show
 * beside the table: its userErrors joined, the thrown error's message, or null when it worked.
 */
export async function rowActionError(run: () => Promise<{ userErrors: readonly { message: string }[] }>): Promise<string | null> {
  try {
    const { userErrors } = await run();
    return userErrors.length ? userErrors.map((e) => e.message).join(' ') : null;
  } catch (err) {
    return errorLine(err);
  }
}
