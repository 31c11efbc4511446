// As-you-type checks that mirror the API's rules (apps/api/src/auth/auth.service.ts); the API
// still decides and its userErrors are shown on the same fields.
export const PASSWORD_MIN = 10;

export const required = (label: string) => (v: string) => (v.trim() ? null : `${label} is required`);

export function emailError(v: string): string | null {
  if (!v.trim()) return 'Email is required';
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v.trim()) ? null : `"${v}" is not an email address (name@example.org)`;
}

export function newPasswordError(p: string): string | null {
  if (p.length < PASSWORD_MIN) return `At least ${PASSWORD_MIN} characters (${p.length} so far)`;
  if (p.length > 256) return 'At most 256 characters';
  if (!/[a-zA-Z]/.test(p) || !/[^a-zA-Z]/.test(p)) return 'Mix letters with digits or symbols';
  if (new Set(p).size < 5) return 'Use at least 5 different characters';
  return null;
}

export const maxLength = (label: string, n: number) => (v: string) => (v.length > n ? `${label}: at most ${n} characters (${v.length} now)` : null);

export function nameError(label: string, n = 100) {
  return (v: string) => required(label)(v) ?? maxLength(label, n)(v);
}

/** Team approval threshold (apps/api/src/teams/team.service.ts): empty = never; else a whole number in 1..1000000. */
export const APPROVAL_THRESHOLD_MAX = 1_000_000;

export function approvalThresholdError(v: number | string | null | undefined): string | null {
  if (v === '' || v === null || v === undefined) return null;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(n)) return 'A whole number of subjects (or empty: no approval needed)';
  if (n < 1) return 'At least 1 (or empty: no approval needed)';
  if (n > APPROVAL_THRESHOLD_MAX) return `At most ${APPROVAL_THRESHOLD_MAX}`;
  return null;
}

/** Webhook URLs (apps/api/src/webhooks/webhook.service.ts): absolute http(s), at most 2000 characters. */
export function httpUrlError(v: string): string | null {
  const s = v.trim();
  if (!s) return 'URL is required';
  if (s.length > 2000) return `At most 2000 characters (${s.length} now)`;
  if (!/^https?:\/\//.test(s)) return 'Must start with https:// (or http://)';
  try {
    new URL(s);
  } catch {
    return `"${s}" is not a valid URL`;
  }
  return null;
}

/** Only same-site paths: never send a user to another origin after signing in. */
export function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

/** The subjects field's problem, or null: a whole number in 1..the deployment's limit (MAX_COHORT_SIZE, or MAX_PREVIEW_SIZE for a preview). */
export function sizeError(size: number | string, max: number | null, preview: boolean): string | null {
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) return 'A whole number of subjects, at least 1';
  if (max !== null && size > max) return preview ? `A preview has at most ${max.toLocaleString('en')} subjects` : `At most ${max.toLocaleString('en')} subjects per cohort on this deployment (you asked for ${size.toLocaleString('en')})`;
  return null;
}
