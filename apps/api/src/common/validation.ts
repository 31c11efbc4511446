// Input validation with zod; failures become userErrors naming the field, the value and the rule.
import type { z } from 'zod';
import { ValidationFailed, type UserErrorShape } from './errors.ts';

export function validate<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const res = schema.safeParse(input);
  if (res.success) return res.data;
  const errors: UserErrorShape[] = res.error.issues.map((issue) => {
    const field = issue.path.map(String);
    const value = valueAt(input, issue.path as PropertyKey[]);
    const shown = value === undefined ? 'missing' : JSON.stringify(value);
    return { field, message: `${field.join('.') || 'input'} = ${shown}: ${issue.message}`, code: 'INVALID' };
  });
  throw new ValidationFailed(errors);
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let cur: unknown = input;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  if (typeof cur === 'string' && cur.length > 80) return `${cur.slice(0, 80)}…`;
  return cur;
}

export function userError(field: string[], message: string, code = 'INVALID'): ValidationFailed {
  return new ValidationFailed([{ field, message, code }]);
}
