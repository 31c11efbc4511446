'use client';
// Loading, error, empty and not-found states: every page shows one of these instead of a blank.
import type { ReactNode } from 'react';
import Link from 'next/link';
import { Alert, Button, Center, Code, Loader, Paper, Skeleton, Stack, Text, Title } from '@mantine/core';
import { ApiError } from '@/lib/graphql-client';
import { describeError } from '@/lib/errors';

export function LoadingState({ label = 'Loading…', rows = 3 }: { label?: string; rows?: number }) {
  return (
    <Stack gap="sm" aria-busy="true" aria-live="polite">
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      {Array.from({ length: rows }, (_, i) => (
        <Skeleton key={i} height={28} radius="sm" />
      ))}
    </Stack>
  );
}

export function FullPageLoader() {
  return (
    <Center h="60vh" aria-busy="true">
      <Loader aria-label="Loading" />
    </Center>
  );
}

export function ErrorState({ error, onRetry, title = 'Something went wrong' }: { error: unknown; onRetry?: () => void; title?: string }) {
  const d = describeError(error);
  return (
    <Alert color="red" title={title} role="alert" data-testid="error-state">
      <Stack gap="xs">
        <Text size="sm">{d.message}</Text>
        {d.detail && (
          <Text size="xs" data-testid="error-detail">
            {d.detail}
          </Text>
        )}
        {d.code && (
          <Text size="xs" c="dimmed">
            Code <Code>{d.code}</Code>
            {d.requestId && (
              <>
                {' '}· request id <Code>{d.requestId}</Code> (quote it when reporting)
              </>
            )}
          </Text>
        )}
        {onRetry && (
          <div>
            <Button size="xs" variant="light" color="red" onClick={onRetry}>
              Try again
            </Button>
          </div>
        )}
      </Stack>
    </Alert>
  );
}

export function EmptyState({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <Paper withBorder p="xl" radius="md" data-testid="empty-state">
      <Stack align="center" gap="xs" ta="center">
        <Text fw={600}>{title}</Text>
        {children && (
          <Text size="sm" c="dimmed" maw={480}>
            {children}
          </Text>
        )}
        {action}
      </Stack>
    </Paper>
  );
}

export function NotFoundState({ what }: { what: string }) {
  return (
    <Stack align="center" gap="sm" py="xl" data-testid="not-found">
      <Title order={1}>Not found</Title>
      <Text c="dimmed" ta="center" maw={480}>
        This {what} does not exist, or you are not a member of its team.
      </Text>
      <Button component={Link} href="/teams" variant="light">
        Back to your teams
      </Button>
    </Stack>
  );
}

/** Renders the right state for a query: loading, not found, error, or the children. */
export function QueryGate({ isPending, error, refetch, what, children }: { isPending: boolean; error: unknown; refetch?: () => void; what: string; children: () => ReactNode }) {
  if (isPending) return <LoadingState label={`Loading ${what}…`} />;
  if (error instanceof ApiError && error.code === 'NOT_FOUND') return <NotFoundState what={what} />;
  if (error) return <ErrorState error={error} onRetry={refetch} />;
  return <>{children()}</>;
}
