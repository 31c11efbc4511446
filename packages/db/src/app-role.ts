// The application's database role (prisma/migrations/*_app_role): migrations run as the schema's
// owner; the API connects as slicewise_app, which has row access only (no DDL, no trigger control,
// INSERT/SELECT only on audit events). Three ways to get that connection, safest first:
//   1. DATABASE_APP_URL: a login of slicewise_app (or a role granted it) made by the operator;
//   2. embedded PostgreSQL: the platform gives slicewise_app a login on its own local server;
//   3. otherwise: the owner's connection with `SET ROLE slicewise_app` at session start, so every
//      statement runs with the app role's rights (a fallback: a RESET ROLE would lift it).
import pg from 'pg';
import { connectionFields } from './migration-adapter.ts';

export const APP_ROLE = 'slicewise_app';
/** Password of the app login on the EMBEDDED server only (it listens on 127.0.0.1, like its superuser). */
export const EMBEDDED_APP_PASSWORD = 'slicewise-app';

export interface AppConnection {
  url: string;
  /** Role to SET at session start (fallback 3), or null when `url` logs in as the app role. */
  role: string | null;
  how: 'DATABASE_APP_URL' | 'embedded login' | 'SET ROLE';
}

/** Gives the app role a login with `password` (needs CREATEROLE or superuser on `ownerUrl`). */
export async function enableAppLogin(ownerUrl: string, password: string): Promise<void> {
  const client = new pg.Client(connectionFields(ownerUrl));
  await client.connect();
  try {
    const quoted = (await client.query<{ q: string }>('SELECT quote_literal($1::text) AS q', [password])).rows[0]!.q;
    await client.query(`ALTER ROLE ${APP_ROLE} WITH LOGIN PASSWORD ${quoted}`);
  } finally {
    await client.end();
  }
}

/** `url` with the app login's user and password. */
export function withAppLogin(url: string, password: string): string {
  const u = new URL(url);
  u.username = APP_ROLE;
  u.password = encodeURIComponent(password);
  return u.toString();
}

export async function appConnection(opts: { ownerUrl: string; appUrl?: string | undefined; embedded: boolean }): Promise<AppConnection> {
  if (opts.appUrl) return { url: opts.appUrl, role: null, how: 'DATABASE_APP_URL' };
  if (opts.embedded) {
    await enableAppLogin(opts.ownerUrl, EMBEDDED_APP_PASSWORD);
    return { url: withAppLogin(opts.ownerUrl, EMBEDDED_APP_PASSWORD), role: null, how: 'embedded login' };
  }
  return { url: opts.ownerUrl, role: APP_ROLE, how: 'SET ROLE' };
}
