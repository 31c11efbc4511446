// Signed out? The Viewer query answers viewer: null, or UNAUTHENTICATED for the parts that need a caller.
import { ApiError } from './graphql-client';

export function isSignedOut(result: { data?: { viewer: unknown } | undefined; error?: unknown }): boolean {
  if (result.error instanceof ApiError && result.error.code === 'UNAUTHENTICATED') return true;
  return !!result.data && result.data.viewer === null;
}

/** The sign-in page, coming back to `path` afterwards (the sign-in page only follows same-site paths). */
export function signInHref(path: string | null | undefined): string {
  return path && path !== '/' && path !== '/sign-in' ? `/sign-in?next=${encodeURIComponent(path)}` : '/sign-in';
}
