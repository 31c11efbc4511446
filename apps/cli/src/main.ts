/**
 * slicewise CLI.
 *
 *   slicewise pull <project>/<dataset>@<tag-or-hash> --out DIR [--token T] [--api URL] [--concurrency N] [--replace] [--quiet]
 *   slicewise pull <project>/<dataset>@<tag-or-hash> --out DIR --verify-only
 *   slicewise verify DIR [--ref <hash>]
 *
 * Token: --token or SLICEWISE_TOKEN. API: --api or SLICEWISE_API_URL (default http://127.0.0.1:4000).
 * Exit codes: 0 ok, 1 verification failure, 2 usage, 3 auth/not found, 4 network/server error,
 * 5 rate limited, 6 the folder holds another version, 130 interrupted.
 */
import { CliError, EXIT } from './errors.ts';
import { pull } from './pull.ts';
import { verifyFolder } from './verify.ts';
import { parseSpec } from './spec.ts';

export const DEFAULT_API = 'http://127.0.0.1:4000';

export const USAGE = `usage:
  slicewise pull <project>/<dataset>@<tag-or-hash> --out DIR [--token T] [--api URL] [--concurrency N] [--retries N] [--replace] [--quiet]
  slicewise pull <project>/<dataset>@<tag-or-hash> --out DIR --verify-only
  slicewise verify DIR [--ref <manifest-sha256>]

  --token T        API token (default: $SLICEWISE_TOKEN)
  --api URL        API base URL (default: $SLICEWISE_API_URL or ${DEFAULT_API})
  --out DIR        destination folder (created if needed; re-runs skip verified files, repair and resume others)
  --verify-only    re-check DIR against its manifest.json, offline
  --concurrency N  parallel downloads (default 8; --workers is the same)
  --replace        turn a folder holding another version into this one
  --retries N      retries of a request after a connection failure, 5xx or 429 (default 4, backoff 0.5 s doubling)
  --quiet          no progress output

stdout: the pinned reference <project>/<dataset>@<manifest sha256> of what was pulled
exit codes: 0 ok, 1 verification failure (file named), 2 usage, 3 auth / not found, 4 network or server error,
5 rate limited, 6 the folder holds another version (not overwritten), 130 interrupted (re-run to resume)
`;

export interface Io {
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

interface Parsed {
  positional: string[];
  flags: Map<string, string | true>;
}

const VALUE_FLAGS = new Set(['token', 'api', 'out', 'concurrency', 'workers', 'retries', 'ref']);
const BOOL_FLAGS = new Set(['verify-only', 'quiet', 'help', 'replace']);

function parseArgs(argv: string[]): Parsed {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-h') {
      flags.set('help', true);
      continue;
    }
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq >= 0 ? eq : undefined);
    if (BOOL_FLAGS.has(name)) {
      if (eq >= 0) throw new CliError(EXIT.USAGE, `--${name} takes no value`);
      flags.set(name, true);
    } else if (VALUE_FLAGS.has(name)) {
      const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined || v === '') throw new CliError(EXIT.USAGE, `--${name} needs a value`);
      flags.set(name, v);
    } else throw new CliError(EXIT.USAGE, `unknown option --${name}`);
  }
  return { positional, flags };
}

function str(p: Parsed, name: string): string | undefined {
  const v = p.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

export async function main(argv: string[], io: Io): Promise<number> {
  try {
    const p = parseArgs(argv);
    const [command, arg] = p.positional;
    if (p.flags.has('help') || !command) {
      io.stdout.write(USAGE);
      return command || p.flags.has('help') ? EXIT.OK : EXIT.USAGE;
    }
    if (p.positional.length > 2) throw new CliError(EXIT.USAGE, `unexpected argument ${JSON.stringify(p.positional[2])}`);
    const quiet = p.flags.has('quiet');
    if (command === 'verify' || (command === 'pull' && p.flags.has('verify-only'))) {
      const dir = command === 'verify' ? arg : str(p, 'out');
      if (!dir) throw new CliError(EXIT.USAGE, command === 'verify' ? 'verify needs a folder: slicewise verify DIR' : '--verify-only needs --out DIR');
      const ref = command === 'pull' ? parseSpec(arg).ref : (str(p, 'ref') ?? null);
      const r = await verifyFolder(dir, ref, io.stderr, quiet);
      if (r.failed.length) {
        io.stderr.write(`slicewise: verification FAILED for ${r.failed.length} of ${r.files} files:\n${r.failed.map((f) => `  ${f.path}: ${f.reason}`).join('\n')}\n`);
        return EXIT.VERIFY;
      }
      io.stderr.write(`slicewise: all ${r.files} files verified (manifest sha256 ${r.manifestSha256})\n`);
      return EXIT.OK;
    }
    if (command !== 'pull') throw new CliError(EXIT.USAGE, `unknown command ${JSON.stringify(command)} (allowed: pull, verify)`);
    const spec = parseSpec(arg);
    const out = str(p, 'out');
    if (!out) throw new CliError(EXIT.USAGE, 'pull needs --out DIR');
    const concurrencyText = str(p, 'concurrency') ?? str(p, 'workers') ?? '8';
    const concurrency = Number(concurrencyText);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new CliError(EXIT.USAGE, `--concurrency must be an integer in 1..64, got ${JSON.stringify(concurrencyText)}`);
    const retriesText = str(p, 'retries') ?? '4';
    const retries = Number(retriesText);
    if (!Number.isInteger(retries) || retries < 0 || retries > 20) throw new CliError(EXIT.USAGE, `--retries must be an integer in 0..20, got ${JSON.stringify(retriesText)}`);
    const api = str(p, 'api') ?? io.env.SLICEWISE_API_URL ?? DEFAULT_API;
    if (!/^https?:\/\//.test(api)) throw new CliError(EXIT.USAGE, `--api must be an http(s) URL, got ${JSON.stringify(api)}`);
    const token = str(p, 'token') ?? io.env.SLICEWISE_TOKEN ?? undefined;
    const r = await pull(spec, { api, token: token || undefined, out, concurrency, retries, replace: p.flags.has('replace'), stderr: io.stderr, quiet });
    if (r.failed.length) {
      io.stderr.write(`slicewise: verification FAILED for ${r.failed.length} of ${r.files} files (not written; re-run to retry):\n${r.failed.map((f) => `  ${f.reason}`).join('\n')}\n`);
      return EXIT.VERIFY;
    }
    io.stdout.write(`${spec.project}/${spec.dataset}@${r.manifestSha256}\n`);
    return EXIT.OK;
  } catch (e) {
    if (e instanceof CliError) {
      io.stderr.write(`slicewise: error: ${e.message}\n`);
      if (e.exitCode === EXIT.USAGE) io.stderr.write(USAGE);
      return e.exitCode;
    }
    io.stderr.write(`slicewise: unexpected error: ${(e as Error).stack ?? String(e)}\n`);
    return EXIT.NETWORK;
  }
}
