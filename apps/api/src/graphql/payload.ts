import { ValidationFailed, type UserErrorShape } from '../common/errors.ts';

/** Runs a mutation; validation failures become `userErrors` (nothing was written), other errors propagate. */
export async function withUserErrors<T extends object>(fn: () => Promise<T>): Promise<Partial<T> & { userErrors: UserErrorShape[] }> {
  try {
    return { ...(await fn()), userErrors: [] };
  } catch (err) {
    if (err instanceof ValidationFailed) {
      return { userErrors: err.userErrors.map((e) => ({ ...e, field: ['input', ...e.field] })) } as Partial<T> & { userErrors: UserErrorShape[] };
    }
    throw err;
  }
}
