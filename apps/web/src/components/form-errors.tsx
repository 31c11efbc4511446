'use client';
import { Alert } from '@mantine/core';

/** The errors a form could not put on a field (useMutationForm's `general`), above its buttons. */
export function FormErrors({ errors, title }: { errors: readonly string[]; title?: string }) {
  if (errors.length === 0) return null;
  return (
    <Alert color="red" role="alert" title={title} data-testid="form-errors">
      {errors.length === 1 ? errors[0] : errors.map((e, i) => <div key={i}>{e}</div>)}
    </Alert>
  );
}
