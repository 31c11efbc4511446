/**
 * Env parsing shared by the worker benches: a bad value stops the bench with the variable, the value and what is
 * allowed, before anything heavy starts.
 */
export class BenchOptionError extends Error {
  readonly code = 'BENCH_OPTION_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'BenchOptionError';
  }
}

/** A whole number >= 1 (unset or empty: the fallback). */
export function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new BenchOptionError(`${name} = ${JSON.stringify(raw)}: must be a whole number >= 1`);
  return n;
}

/** A comma-separated list of thread counts, each a whole number >= 1, no repeats (unset or empty: the fallback). */
export function threadList(name: string, raw: string | undefined, fallback: number[]): number[] {
  if (raw === undefined || raw.trim() === '') return fallback;
  const parts = raw.split(',').map((s) => s.trim());
  const bad = parts.filter((s) => !/^[1-9][0-9]*$/.test(s));
  if (bad.length) throw new BenchOptionError(`${name} = ${JSON.stringify(raw)}: ${bad.map((b) => JSON.stringify(b)).join(', ')} is not a thread count; use whole numbers >= 1 separated by commas, e.g. "1,2"`);
  const n = parts.map(Number);
  if (new Set(n).size !== n.length) throw new BenchOptionError(`${name} = ${JSON.stringify(raw)}: a thread count is repeated`);
  return n;
}
