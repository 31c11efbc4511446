'use client';
// React Query wrappers over gqlRequest: the query key is the operation text plus its variables.
import { useMutation, useQuery, useQueryClient, type UseQueryOptions } from '@tanstack/react-query';
import type { TypedDocumentString } from '@/generated/gql/graphql';
import { ApiError, gqlRequest } from './graphql-client';

export function useGql<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
  options: Omit<UseQueryOptions<TResult, ApiError>, 'queryKey' | 'queryFn'> = {},
) {
  return useQuery<TResult, ApiError>({
    queryKey: [operationName(document), variables],
    queryFn: ({ signal }) => gqlRequest(document, variables, { signal }),
    ...options,
  });
}

export function useGqlMutation<TResult, TVariables>(document: TypedDocumentString<TResult, TVariables>) {
  const client = useQueryClient();
  return useMutation<TResult, ApiError, TVariables>({
    mutationFn: (variables) => gqlRequest(document, variables),
    // Every write can change what any page shows (lists, audit log): refetch what is on screen.
    onSuccess: () => client.invalidateQueries(),
  });
}

export function operationName(document: { toString(): string }): string {
  return /(?:query|mutation|subscription)\s+(\w+)/.exec(document.toString())?.[1] ?? document.toString();
}
