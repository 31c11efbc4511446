import { describe, expect, it } from 'vitest';
import { BenchOptionError, positiveInt, threadList } from './options.ts';

describe('bench options', () => {
  it('positiveInt: fallback when unset, the value when a whole number >= 1', () => {
    expect(positiveInt('BENCH_VOLUMES', undefined, 3)).toBe(3);
    expect(positiveInt('BENCH_VOLUMES', ' ', 3)).toBe(3);
    expect(positiveInt('BENCH_VOLUMES', '7', 3)).toBe(7);
  });

  it('positiveInt: refuses 0, fractions and words, naming the variable and the value', () => {
    for (const bad of ['0', '1.5', 'ten', '-2']) {
      const e = (() => {
        try {
          positiveInt('BENCH_VOLUMES', bad, 3);
        } catch (err) {
          return err as BenchOptionError;
        }
        return null;
      })();
      expect(e).toBeInstanceOf(BenchOptionError);
      expect(e!.code).toBe('BENCH_OPTION_INVALID');
      expect(e!.message).toContain(`BENCH_VOLUMES = "${bad}"`);
    }
  });

  it('threadList: parses "1,2", refuses zero, junk and repeats', () => {
    expect(threadList('BENCH_THREADS', undefined, [1, 2])).toEqual([1, 2]);
    expect(threadList('BENCH_THREADS', '2, 1', [1])).toEqual([2, 1]);
    expect(() => threadList('BENCH_THREADS', '0,2', [1])).toThrow(/BENCH_THREADS = "0,2": "0" is not a thread count/);
    expect(() => threadList('BENCH_THREADS', '1,,2', [1])).toThrow(/"" is not a thread count/);
    expect(() => threadList('BENCH_THREADS', '2,2', [1])).toThrow(/repeated/);
  });
});
