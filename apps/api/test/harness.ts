// A real API on a fresh database for one suite, and a small GraphQL client.
import { inject } from 'vitest';
import { createTestDatabase } from '@slicewise/db/testing';
import { loadApiConfig } from '../src/config.ts';
import { openDb } from '../src/common/database.repository.ts';
import { createLogger } from '../src/common/logger.ts';
import { createApiServer, SESSION_COOKIE } from '../src/server.ts';
import type { Db } from '../src/common/transaction.repository.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export interface GqlResult<T = any> {
  status: number;
  data: T;
  errors?: { message: string; extensions?: Record<string, any>; path?: string[] }[];
  extensions?: Record<string, any>;
  headers: Headers;
}

export interface Caller {
  cookie?: string;
  token?: string;
}

export interface Harness {
  url: string;
  /** Local file storage of this suite (the API's STORAGE_DIR). */
  storageDir: string;
  dbUrl: string;
  /** The application role's connection string (what the API under test uses). */
  appDbUrl: string;
  db: Db;
  /** Raw SQL on the suite's database (assertions only). */
  sql<T extends pg.QueryResultRow = any>(text: string, params?: unknown[]): Promise<T[]>;
  gql<T = any>(query: string, variables?: Record<string, unknown>, as?: Caller, headers?: Record<string, string>): Promise<GqlResult<T>>;
  signUp(email: string, name?: string): Promise<{ cookie: string; userId: string }>;
  createTeam(as: Caller, name: string): Promise<string>;
  /** Adds an existing user to a team with a role; returns the membership's global id. */
  addMember(owner: Caller, teamId: string, email: string, role: string): Promise<string>;
  createToken(as: Caller, teamId: string, scopes: string[], expiresAt?: string): Promise<{ id: string; secret: string }>;
  close(): Promise<void>;
  queryCount: { n: number };
  /** The API's services (for assertions on internal state, e.g. the CPU pool). */
  services: import('../src/services.ts').Services;
}

export const PASSWORD = 'correct-horse-battery-9';

export async function startHarness(env: Record<string, string> = {}, opts: { logStream?: { write(line: string): void }; logLevel?: string } = {}): Promise<Harness> {
  const database = await createTestDatabase(inject('pgAdminUrl'), inject('pgTemplate'));
  const queryCount = { n: 0 };
  // The API under test connects as the application role (no DDL, append-only audit), as in production.
  const storageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'slicewise-storage-'));
  // The webhook dispatcher polls rarely unless a suite asks (its SQL would blur query counts).
  const config = loadApiConfig({ LOG_LEVEL: 'silent', STORAGE_DIR: storageDir, WEBHOOK_POLL_MS: '60000', ...env });
  const { db, close } = openDb(database.appUrl ?? database.url, { onQuery: () => void queryCount.n++, maxConnections: config.databasePoolSize, connectionWaitMs: config.databasePoolWaitMs });
  const server = await createApiServer(db, config, createLogger(opts.logLevel ?? process.env.TEST_LOG_LEVEL ?? 'silent', 'api', opts.logStream));
  await server.services.models.registerAll(createLogger('silent'));
  const port = await server.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  const pool = new pg.Pool({ connectionString: database.url, max: 2 });

  const gql: Harness['gql'] = async (query, variables = {}, as = {}, headers = {}) => {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(as.cookie ? { cookie: as.cookie } : {}),
        ...(as.token ? { authorization: `Bearer ${as.token}` } : {}),
        ...headers,
      },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as Omit<GqlResult, 'status' | 'headers'>;
    return { ...body, status: res.status, headers: res.headers };
  };

  const h: Harness = {
    url,
    storageDir,
    dbUrl: database.url,
    appDbUrl: database.appUrl,
    services: server.services,
    db,
    queryCount,
    async sql(text, params = []) {
      return (await pool.query(text, params)).rows;
    },
    gql,
    async signUp(email, name = 'Test User') {
      const r = await gql(`mutation($i: SignUpInput!) { signUp(input: $i) { user { id } userErrors { message } } }`, {
        i: { email, password: PASSWORD, name },
      });
      if (!r.data?.signUp?.user) throw new Error(`sign-up failed: ${JSON.stringify(r)}`);
      const setCookie = r.headers.get('set-cookie') ?? '';
      const m = new RegExp(`${SESSION_COOKIE}=([^;]+)`).exec(setCookie);
      return { cookie: `${SESSION_COOKIE}=${m![1]}`, userId: r.data.signUp.user.id };
    },
    async createTeam(as, name) {
      const r = await gql(`mutation($n: String!) { createTeam(input: { name: $n }) { team { id } userErrors { message } } }`, { n: name }, as);
      if (!r.data?.createTeam?.team) throw new Error(`createTeam failed: ${JSON.stringify(r)}`);
      return r.data.createTeam.team.id;
    },
    async addMember(owner, teamId, email, role) {
      const r = await gql(
        `mutation($i: AddMemberInput!) { addMember(input: $i) { membership { id } userErrors { message } } }`,
        { i: { teamId, email, role } },
        owner,
      );
      if (!r.data?.addMember?.membership) throw new Error(`addMember failed: ${JSON.stringify(r)}`);
      return r.data.addMember.membership.id;
    },
    async createToken(as, teamId, scopes, expiresAt) {
      const r = await gql(
        `mutation($i: CreateApiTokenInput!) { createApiToken(input: $i) { token { id } secret userErrors { message } } }`,
        { i: { teamId, name: `t-${scopes.join('-')}`, scopes, ...(expiresAt ? { expiresAt } : {}) } },
        as,
      );
      if (!r.data?.createApiToken?.secret) throw new Error(`createApiToken failed: ${JSON.stringify(r)}`);
      return { id: r.data.createApiToken.token.id, secret: r.data.createApiToken.secret };
    },
    async close() {
      await server.stop();
      await close();
      await pool.end();
      await database.drop();
      fs.rmSync(storageDir, { recursive: true, force: true });
    },
  };
  return h;
}

/**
 * Stands in for the worker (whose own suite and generation.test.ts cover the real path): requests a
 * cohort of `size` through the API, then stores a small file pair per volume and marks the cohort
 * COMPLETED with conditions and provenance. Returns the cohort id and the stored files.
 */
export async function completeFakeCohort(h: Harness, projectId: string, distributionVersionId: string, modelId: string, as: Caller, size = 3, opts: { qcFailed?: number[] } = {}) {
  const { LocalStorage } = await import('@slicewise/storage');
  const { exampleVolumeProvenance } = await import('@slicewise/provenance/testing');
  const storage = new LocalStorage(h.storageDir);
  const r = await h.gql('mutation($i: RequestCohortInput!) { requestCohort(input: $i) { cohort { id } userErrors { message } } }', {
    i: { projectId, distributionVersionId, modelId, size, seed: 42 },
  }, as);
  const cohortId: string = r.data.requestCohort.cohort.id;
  const rawCohort = Buffer.from(cohortId, 'base64url').toString().split(':')[1]!;
  const vols = await h.sql(`SELECT id, "subjectIndex" FROM "Volume" WHERE "cohortId" = $1 ORDER BY "subjectIndex"`, [rawCohort]);
  const files: { volumeId: string; kind: string; sha256: string; bytes: number }[] = [];
  for (const v of vols) {
    const put: Record<string, { key: string; sha256: string; bytes: number }> = {};
    for (const kind of ['image', 'mask']) {
      put[kind] = await storage.putAtomic(`cohorts/${rawCohort}/${v.id}/${kind}.nii.gz`, new TextEncoder().encode(`${kind} of subject ${v.subjectIndex} in ${rawCohort}`));
      files.push({ volumeId: v.id, kind, sha256: put[kind]!.sha256, bytes: put[kind]!.bytes });
    }
    const f = v.subjectIndex / 10;
    await h.sql(
      `UPDATE "Volume" SET status = $11::"VolumeStatus", "imageKey" = $2, "imageSha256" = $3, "imageBytes" = $4, "maskKey" = $5, "maskSha256" = $6, "maskBytes" = $7,
         "requestedCondition" = $8, "measuredCondition" = $9, provenance = $10, "startedAt" = now(), "finishedAt" = now() WHERE id = $1`,
      [
        v.id, put.image!.key, put.image!.sha256, put.image!.bytes, put.mask!.key, put.mask!.sha256, put.mask!.bytes,
        JSON.stringify({ normalised: [0.1 + f, 0.2, 0.7, 0.5, 0.5, 0.5, 0.2, 0.2, 0.2] }),
        JSON.stringify({ normalised: [0.12 + f, 0.21, 0.69, 0.5, 0.51, 0.5, 0.2, 0.21, 0.2] }),
        JSON.stringify(
          exampleVolumeProvenance({
            volumeId: v.id,
            cohortId: rawCohort,
            subjectIndex: v.subjectIndex,
            image: put.image,
            mask: put.mask,
            ...(opts.qcFailed?.includes(v.subjectIndex)
              ? { qc: { status: 'failed', notRunReason: null, settings: null, tries: [{ index: 0, noiseKey: 0, rng: 'r', measured: null, checks: [{ name: 'brain outline', passed: false, measured: 0.2, limit: 'Dice >= 0.6', reason: 'not brain-like' }], passed: false }], acceptedTry: 0 } }
              : {}),
          }),
        ),
        opts.qcFailed?.includes(v.subjectIndex) ? 'QC_FAILED' : 'SUCCEEDED',
      ],
    );
  }
  await h.sql(`UPDATE "Cohort" SET status = 'COMPLETED', "startedAt" = now(), "finishedAt" = now() WHERE id = $1`, [rawCohort]);
  return { cohortId, rawCohortId: rawCohort, files };
}
