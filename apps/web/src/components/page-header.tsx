'use client';
import type { ReactNode } from 'react';
import { Flex, Group, Stack, Text, Title } from '@mantine/core';

/** Title, subtitle and actions; on a phone the actions go below the title instead of squeezing it. */
export function PageHeader({ title, subtitle, actions }: { title: ReactNode; subtitle?: ReactNode; actions?: ReactNode }) {
  return (
    <Flex direction={{ base: 'column', sm: 'row' }} justify="space-between" align={{ base: 'stretch', sm: 'flex-start' }} mb="lg" gap="sm" data-testid="page-header">
      <Stack gap={2} style={{ minWidth: 0, flex: 1 }}>
        <Title order={1} size="h2" style={{ overflowWrap: 'anywhere' }}>
          {title}
        </Title>
        {subtitle && (
          <Text c="dimmed" size="sm" component="div" style={{ overflowWrap: 'anywhere' }}>
            {subtitle}
          </Text>
        )}
      </Stack>
      {actions && (
        <Group gap="xs" wrap="wrap" style={{ flexShrink: 0 }}>
          {actions}
        </Group>
      )}
    </Flex>
  );
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
