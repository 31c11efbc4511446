'use client';
// The one submit path of a form that sends a mutation: runs it, puts the payload's userErrors on the
// form's fields (by the last path element) and the rest above the buttons, turns a thrown error into a
// plain sentence, and reports success. Nothing is retried or corrected silently.
import { useState } from 'react';
import type { TypedDocumentString } from '@/generated/gql/graphql';
import { errorLine } from './errors';
import { splitUserErrors, type UserErrorLike } from './graphql-client';
import { useGqlMutation } from './hooks';

export interface MutationFormOptions<TResult, TPayload extends { userErrors: readonly UserErrorLike[] }> {
  /** The mutation's payload in the result, e.g. (r) => r.createTeam. */
  payload: (result: TResult) => TPayload;
  /** Form field names userErrors may land on (the last element of their path). */
  fields?: readonly string[];
  /** Receives the per-field messages (a Mantine form's setErrors, or a state setter). */
  onFieldErrors?: (errors: Record<string, string>) => void;
  /** Rewrites userError paths before they are split (e.g. drop list indices). */
  mapErrors?: (errors: readonly UserErrorLike[]) => readonly UserErrorLike[];
}

export function useMutationForm<TResult, TVariables, TPayload extends { userErrors: readonly UserErrorLike[] }>(
  document: TypedDocumentString<TResult, TVariables>,
  options: MutationFormOptions<TResult, TPayload>,
) {
  const mutation = useGqlMutation(document);
  const [general, setGeneral] = useState<string[]>([]);
  const { payload, fields = [], onFieldErrors, mapErrors } = options;

  /** Sends the mutation; returns the payload when it worked (no userErrors), else null. */
  async function run(variables: TVariables): Promise<TPayload | null> {
    setGeneral([]);
    try {
      const p = payload(await mutation.mutateAsync(variables));
      if (p.userErrors.length) {
        const split = splitUserErrors(mapErrors ? mapErrors(p.userErrors) : p.userErrors, fields);
        onFieldErrors?.(split.fields);
        setGeneral(split.general);
        return null;
      }
      return p;
    } catch (err) {
      setGeneral([errorLine(err)]);
      return null;
    }
  }

  return { run, general, setGeneral, pending: mutation.isPending };
}

/** Errors inside a JSON value (a distribution spec) keep their path in the message: "spec.features.x.max: …". */
export function specPathInMessage(errors: readonly UserErrorLike[]): UserErrorLike[] {
  return errors.map((e) => (e.field.includes('spec') ? { ...e, field: [], message: `${e.field.filter((p) => p !== 'input').join('.')}: ${e.message}` } : e));
}
