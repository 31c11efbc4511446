// Issue 13: our own fuzzer, driven by introspection. Every query and mutation is called with hostile
// arguments (forged ids, NUL bytes, lone surrogates, huge strings, extreme numbers, wrong types,
// malformed JSON scalars) as an anonymous caller, a signed-in owner and an ADMIN token; plus
// malformed HTTP requests. Every answer must be < 500, carry no stack trace, and come in time; the
// API's log must hold no unexpected error. Seeded, so a failure is reproducible.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeFakeCohort, startHarness, type Caller, type Harness } from './harness.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 13);
const VARIANTS = Number(process.env.FUZZ_VARIANTS ?? 7);
const STACK = /\n\s+at |\bat [\w$.<>]+ \([^)]*:\d+:\d+\)|node:internal/;
/** Operations run last because they end the callers' own access. */
const LAST = ['signOut', 'revokeApiToken', 'removeMember', 'archiveProject', 'deleteWebhook'];

let h: Harness;
const logLines: string[] = [];
const callers: Record<string, Caller> = {};
const realIds: string[] = [];

/** Small deterministic PRNG (mulberry32). */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface TypeRef {
  kind: string;
  name: string | null;
  ofType: TypeRef | null;
}
interface Field {
  name: string;
  args: { name: string; type: TypeRef }[];
  type: TypeRef;
}
interface FullType {
  kind: string;
  name: string;
  fields: Field[] | null;
  inputFields: { name: string; type: TypeRef }[] | null;
  enumValues: { name: string }[] | null;
}

const INTROSPECTION = `{ __schema { queryType { name } mutationType { name } types { kind name
  fields { name args { name type { ...T } } type { ...T } }
  inputFields { name type { ...T } }
  enumValues { name } } } }
  fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }`;

const typeString = (t: TypeRef): string => (t.kind === 'NON_NULL' ? `${typeString(t.ofType!)}!` : t.kind === 'LIST' ? `[${typeString(t.ofType!)}]` : t.name!);
const named = (t: TypeRef): TypeRef => (t.ofType ? named(t.ofType) : t);

const b64 = (s: string) => Buffer.from(s).toString('base64url');
const HOSTILE_STRINGS = ['', 'a\u0000b', 'x\ud800y', '\udfff', 'é'.repeat(3000), 'x'.repeat(100_000), "' OR 1=1; --", '%ff%00', '<script>alert(1)</script>', '../../etc/passwd', '🧠'.repeat(50), '   ', '\u202e\u0000'];
const HOSTILE_IDS = [b64('Project:1'), b64('Team:99999999999999999999'), b64('AuditEvent:abc'), b64('User:00000000-0000-4000-8000-000000000000'), 'not-an-id', '', '%ff', b64('Cohort:\u0000'), 'x'.repeat(5000), b64('Volume:' + 'f'.repeat(36)), b64(':'), '\ud800'];
const HOSTILE_INTS = [0, -1, 1, 2_147_483_647, -2_147_483_648, 100, 101, 5000, 5001];
const HOSTILE_FLOATS = [0, -1, 1e308, -1e308, 5e-324, 0.5, 1e21, -0.0];
const HOSTILE_JSON = [{}, { version: 1, kind: 'parametric' }, { version: 999, kind: 'nope' }, { kind: 'parametric', version: 1, features: { volume: { dist: 'uniform', min: -1e308, max: 1e308 } } }, { __proto__: { polluted: true }, constructor: { prototype: { x: 1 } } }, JSON.parse('{"a":' + '['.repeat(200) + ']'.repeat(200) + '}'), { a: 'x\u0000' }, { big: 1e308, neg: -1e308 }];
const HOSTILE_DATES = ['not-a-date', '9999-12-31T23:59:59Z', '0000-01-01T00:00:00Z', '-271821-04-20T00:00:00Z', '2026-02-30T00:00:00Z', ''];

function valueFor(t: TypeRef, types: Map<string, FullType>, r: () => number, depth = 0): unknown {
  if (t.kind === 'NON_NULL') return valueFor(t.ofType!, types, r, depth);
  if (t.kind === 'LIST') {
    const n = [0, 1, 2, 200][Math.floor(r() * 4)]!;
    return Array.from({ length: n }, () => valueFor(t.ofType!, types, r, depth + 1));
  }
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  // Sometimes the wrong type altogether (a variable coercion error is the client's mistake).
  if (r() < 0.08) return pick<unknown>(['12', 3.5, true, { x: 1 }, [1], null, 'NaN']);
  switch (t.name) {
    case 'ID':
      return r() < 0.4 && realIds.length ? pick(realIds) : pick(HOSTILE_IDS);
    case 'String':
      return pick(HOSTILE_STRINGS);
    case 'Int':
      return pick(HOSTILE_INTS);
    case 'Float':
      return pick(HOSTILE_FLOATS);
    case 'Boolean':
      return r() < 0.5;
    case 'JSON':
    case 'JSONObject':
      return pick<unknown>([...HOSTILE_JSON, ...(t.name === 'JSON' ? [[], 'text', 1e308] : [])]);
    case 'DateTime':
      return pick(HOSTILE_DATES);
  }
  const full = types.get(t.name!);
  if (full?.kind === 'ENUM') return r() < 0.9 ? pick(full.enumValues!).name : 'NOT_A_VALUE';
  if (full?.kind === 'INPUT_OBJECT') {
    if (depth > 3) return null;
    const out: Record<string, unknown> = {};
    for (const f of full.inputFields ?? []) if (f.type.kind === 'NON_NULL' || r() < 0.5) out[f.name] = valueFor(f.type, types, r, depth + 1);
    if (r() < 0.1) out.unknownField = 1;
    return out;
  }
  return pick(HOSTILE_STRINGS);
}

/** A selection valid for any output type: __typename on composite types, nothing on leaves. */
function selectionFor(t: TypeRef, types: Map<string, FullType>): string {
  const n = named(t);
  const full = types.get(n.name!);
  return full && (full.kind === 'OBJECT' || full.kind === 'INTERFACE' || full.kind === 'UNION') ? ' { __typename }' : '';
}

function operationFor(kind: 'query' | 'mutation', f: Field, types: Map<string, FullType>, r: () => number) {
  const vars: Record<string, unknown> = {};
  const defs: string[] = [];
  const args: string[] = [];
  for (const a of f.args) {
    // Optional arguments are sometimes left out, sometimes null, sometimes hostile.
    if (a.type.kind !== 'NON_NULL' && r() < 0.3) continue;
    defs.push(`$${a.name}: ${typeString(a.type)}`);
    args.push(`${a.name}: $${a.name}`);
    vars[a.name] = a.type.kind !== 'NON_NULL' && r() < 0.1 ? null : valueFor(a.type, types, r);
  }
  const query = `${kind}${defs.length ? `(${defs.join(', ')})` : ''} { ${f.name}${args.length ? `(${args.join(', ')})` : ''}${selectionFor(f.type, types)} }`;
  return { query, variables: vars };
}

interface Outcome {
  label: string;
  status: number | 'timeout' | 'network';
  problem?: string;
}

async function send(label: string, init: RequestInit & { path?: string }): Promise<Outcome> {
  try {
    const res = await fetch(`${h.url}${init.path ?? '/graphql'}`, { ...init, signal: AbortSignal.timeout(15_000) });
    const text = await res.text();
    const problems: string[] = [];
    if (res.status >= 500) problems.push(`HTTP ${res.status}`);
    if (STACK.test(text)) problems.push('stack trace in the response');
    if (/INTERNAL_SERVER_ERROR/.test(text)) problems.push('INTERNAL_SERVER_ERROR');
    return { label, status: res.status, ...(problems.length ? { problem: `${problems.join(', ')}: ${text.slice(0, 300)}` } : {}) };
  } catch (err) {
    const timeout = (err as Error).name === 'TimeoutError';
    return { label, status: timeout ? 'timeout' : 'network', problem: `${timeout ? 'no answer in 15 s' : 'network error'}: ${String(err)}` };
  }
}

const headersOf = (c: Caller): Record<string, string> => ({
  'content-type': 'application/json',
  ...(c.cookie ? { cookie: c.cookie } : {}),
  ...(c.token ? { authorization: `Bearer ${c.token}` } : {}),
});

beforeAll(async () => {
  h = await startHarness({ GRAPHQL_BUDGET_POINTS: '100000000', WEBHOOK_POLL_MS: '60000' }, { logLevel: 'info', logStream: { write: (l) => void logLines.push(l) } });
  const owner = await h.signUp('fuzz-owner@example.org');
  const teamId = await h.createTeam(owner, 'Fuzz');
  const projectId = (await h.gql('mutation($t: ID!) { createProject(input: { teamId: $t, name: "F" }) { project { id } } }', { t: teamId }, owner)).data.createProject.project.id;
  const modelId = (await h.gql('{ models { id name } }', {}, owner)).data.models.find((m: any) => m.name === 'tiny-random').id;
  const d = await h.gql('mutation($i: CreateDistributionInput!) { createDistribution(input: $i) { distribution { id } version { id } } }', { i: { projectId, modelId, name: 'd', spec: { version: 1, kind: 'parametric' } } }, owner);
  const done = await completeFakeCohort(h, projectId, d.data.createDistribution.version.id, modelId, owner, 2);
  const token = await h.createToken(owner, teamId, ['ADMIN']);
  realIds.push(teamId, projectId, modelId, d.data.createDistribution.distribution.id, d.data.createDistribution.version.id, done.cohortId, token.id);
  callers.anonymous = {};
  callers.session = owner;
  callers.token = { token: token.secret };
}, 120_000);
afterAll(() => h.close());

describe('fuzz', () => {
  it('every query and mutation, hostile arguments, three callers: no 5xx, no stack trace, no timeout', async () => {
    const intro = await h.gql(INTROSPECTION);
    const schema = intro.data.__schema;
    const types = new Map<string, FullType>(schema.types.map((t: FullType) => [t.name, t]));
    const r = rng(SEED);
    const ops: { kind: 'query' | 'mutation'; field: Field }[] = [];
    for (const kind of ['query', 'mutation'] as const) {
      const root = types.get(kind === 'query' ? schema.queryType.name : schema.mutationType.name)!;
      for (const field of root.fields!) ops.push({ kind, field });
    }
    ops.sort((a, b) => Number(LAST.includes(a.field.name)) - Number(LAST.includes(b.field.name)));
    expect(ops.length).toBeGreaterThan(40);

    const outcomes: Outcome[] = [];
    for (const { kind, field } of ops) {
      for (const [who, caller] of Object.entries(callers)) {
        for (let v = 0; v < VARIANTS; v++) {
          const op = operationFor(kind, field, types, r);
          outcomes.push(await send(`${who} ${field.name} #${v}`, { method: 'POST', headers: headersOf(caller), body: JSON.stringify(op) }));
        }
      }
    }

    // Malformed requests around GraphQL.
    const rawCases: [string, RequestInit & { path?: string }][] = [
      ['malformed JSON', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": "{ viewer { id } }", ' }],
      ['JSON that is not an object', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '"hello"' }],
      ['a batch array', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ query: '{ viewer { id } }' }, { query: '{ models { id } }' }]) }],
      ['query is a number', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 42 }) }],
      ['variables is a string', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ viewer { id } }', variables: 'x' }) }],
      ['unknown operationName', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'query A { viewer { id } }', operationName: 'B' }) }],
      ['syntax error', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ viewer { id }' }) }],
      ['unknown field', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ nope }' }) }],
      ['a body over 1 MB', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ viewer { id } }', variables: { x: 'y'.repeat(1_200_000) } }) }],
      ['a gzip body that is not gzip', { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: '{"query":"{ viewer { id } }"}' }],
      ['an unsupported charset', { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-7' }, body: '{"query":"{ viewer { id } }"}' }],
      ['text/plain', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{ viewer { id } }' }],
      ['GET a mutation', { method: 'GET', path: `/graphql?query=${encodeURIComponent('mutation { signOut { ok } }')}`, headers: { 'apollo-require-preflight': 'true' } }],
      ['GET with broken variables', { method: 'GET', path: '/graphql?query=%7B%20viewer%20%7B%20id%20%7D%20%7D&variables=%7Bbroken', headers: { 'apollo-require-preflight': 'true' } }],
      ['a malformed bearer', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer' }, body: '{"query":"{ viewer { id } }"}' }],
      ['a huge cookie', { method: 'POST', headers: { 'content-type': 'application/json', cookie: `sw_session=${'a'.repeat(6000)}` }, body: '{"query":"{ viewer { id } }"}' }],
      ['a deep query', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `{ ${'teams(first: 1) { edges { node { '.repeat(30)} id ${' } } }'.repeat(30)} }` }) }],
      ['%ff in a files path', { method: 'GET', path: '/files/volumes/%ff/image.nii.gz' }],
      ['%ff in a datasets path', { method: 'GET', path: '/datasets/%ff%fe/x@%ff/files/%ff' }],
      ['a signed link with a multibyte signature', { method: 'GET', path: `/datasets/signed/${b64('DatasetVersion:00000000-0000-4000-8000-000000000000')}/export.tar?expires=99999999999&signature=${encodeURIComponent('€'.repeat(43))}` }],
      ['a signed link with a repeated signature', { method: 'GET', path: `/datasets/signed/${b64('DatasetVersion:00000000-0000-4000-8000-000000000000')}/export.tar?expires=99999999999&signature=a&signature=b` }],
      ['a range header of garbage', { method: 'GET', path: '/datasets/versions/x/export.tar', headers: { range: 'bytes=99999999999999999999-' } }],
      ['an upload without a body', { method: 'POST', path: `/uploads/projects/${realIds[1]}/reference-masks?modelId=${realIds[2]}`, headers: { cookie: callers.session!.cookie! } }],
      ['an upload with a repeated query parameter', { method: 'POST', path: `/uploads/projects/${realIds[1]}/reference-masks?modelId=${realIds[2]}&modelId=x&filename=a&filename=b`, headers: { cookie: callers.session!.cookie! }, body: 'x' }],
      ['an upload with a NUL in its name', { method: 'POST', path: `/uploads/projects/${realIds[1]}/reference-masks?modelId=${realIds[2]}&filename=%00.nii`, headers: { cookie: callers.session!.cookie! }, body: 'x' }],
      ['an upload with garbage gzip', { method: 'POST', path: `/uploads/projects/${realIds[1]}/reference-masks?modelId=${realIds[2]}`, headers: { cookie: callers.session!.cookie! }, body: Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff]) }],
      ['an unknown path', { method: 'DELETE', path: '/nope' }],
    ];
    for (const [label, init] of rawCases) outcomes.push(await send(`raw: ${label}`, init));

    const byStatus: Record<string, number> = {};
    for (const o of outcomes) byStatus[String(o.status)] = (byStatus[String(o.status)] ?? 0) + 1;
    const failures = outcomes.filter((o) => o.problem);
    const logProblems = logLines.filter((l) => /"level":(50|60)/.test(l) || STACK.test(l));
    console.log(JSON.stringify({ measure: 'fuzz', seed: SEED, requests: outcomes.length, byStatus, http5xx: outcomes.filter((o) => typeof o.status === 'number' && o.status >= 500).length, stackTraces: outcomes.filter((o) => o.problem?.includes('stack')).length, timeouts: outcomes.filter((o) => o.status === 'timeout').length, logProblems: logProblems.length }));
    expect(outcomes.length).toBeGreaterThanOrEqual(1000);
    expect(failures.slice(0, 20)).toEqual([]);
    expect(logProblems.slice(0, 5)).toEqual([]);
  }, 600_000);
});
