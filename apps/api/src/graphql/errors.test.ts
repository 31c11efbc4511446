import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { formatError, isDatabaseBusy, isUnexpected, responseStatusOf } from './errors.ts';

describe('a saturated database is a 503, not a 500', () => {
  // The shapes Prisma 6 and pg raise when no connection frees up in time.
  const busy = [
    Object.assign(new Error('Transaction API error: Unable to start a transaction in the given time.'), { code: 'P2028' }),
    Object.assign(new Error('Timed out fetching a new connection from the connection pool.'), { code: 'P2024' }),
    new Error('timeout exceeded when trying to connect'),
  ];
  it.each(busy)('%s -> SERVICE_BUSY, expected (not logged as a crash), status 503', (err) => {
    expect(isDatabaseBusy(err)).toBe(true);
    const wrapped = new GraphQLError('x', { originalError: err, path: ['requestCohort'] });
    const f = formatError({ message: 'x', extensions: { code: 'INTERNAL_SERVER_ERROR' } }, wrapped);
    expect(f.extensions?.code).toBe('SERVICE_BUSY');
    expect(f.message).toMatch(/nothing was changed/);
    expect(isUnexpected(wrapped)).toBe(false);
    expect(responseStatusOf([f.extensions?.code])).toBe(503);
  });

  it('other errors stay masked 500s', () => {
    const err = Object.assign(new Error('unique constraint'), { code: 'P2002' });
    expect(isDatabaseBusy(err)).toBe(false);
    const f = formatError({ message: 'x', extensions: { code: 'INTERNAL_SERVER_ERROR' } }, new GraphQLError('x', { originalError: err, path: ['requestCohort'] }));
    expect(f.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(responseStatusOf([f.extensions?.code])).toBe(500);
  });
});
