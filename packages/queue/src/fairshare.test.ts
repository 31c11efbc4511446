import { describe, expect, it } from 'vitest';
import { orderQueues } from './fairshare.ts';

const q = (name: string, active: number, ready: number, topPriority = 0) => ({ name, active, ready, topPriority });

describe('orderQueues', () => {
  it('serves queues with previews first, whatever the backlog elsewhere', () => {
    expect(orderQueues([q('volume.a', 0, 10_000), q('volume.b', 0, 4, 100)], null)).toEqual(['volume.b', 'volume.a']);
  });
  it('then the team with the fewest running jobs', () => {
    expect(orderQueues([q('volume.a', 3, 10_000), q('volume.b', 1, 4)], null)).toEqual(['volume.b', 'volume.a']);
  });
  it('round-robin on ties, after the queue served last', () => {
    const s = [q('volume.a', 0, 5), q('volume.b', 0, 5), q('volume.c', 0, 5)];
    expect(orderQueues(s, null)).toEqual(['volume.a', 'volume.b', 'volume.c']);
    expect(orderQueues(s, 'volume.a')).toEqual(['volume.b', 'volume.c', 'volume.a']);
    expect(orderQueues(s, 'volume.c')).toEqual(['volume.a', 'volume.b', 'volume.c']);
    expect(orderQueues(s, 'volume.bb')).toEqual(['volume.c', 'volume.a', 'volume.b']);
  });
  it('skips queues with nothing ready', () => {
    expect(orderQueues([q('volume.a', 2, 0), q('volume.b', 5, 1)], null)).toEqual(['volume.b']);
  });
});
