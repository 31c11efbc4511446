import { describe, expect, it } from 'vitest';
import { closeWithin } from './shutdown.ts';

describe('closeWithin', () => {
  it('returns true when the step closes in time, and reports nothing', async () => {
    const late: string[] = [];
    expect(await closeWithin('pool', async () => {}, 200, (w) => late.push(w))).toBe(true);
    expect(late).toEqual([]);
  });

  it('gives up on a step that never finishes and names it', async () => {
    const late: [string, number][] = [];
    const t0 = Date.now();
    expect(await closeWithin('database pool', () => new Promise(() => {}), 50, (w, ms) => late.push([w, ms]))).toBe(false);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(late).toEqual([['database pool', 50]]);
  });
});
