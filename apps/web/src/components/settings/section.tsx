'use client';
import type { ReactNode } from 'react';
import { Paper, Stack, Title } from '@mantine/core';

/** A titled part of a settings page (a landmark region named by its title). */
export function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Paper component="section" aria-label={title} p={0}>
      <Stack gap="xs">
        <Title order={2} size="h4">
          {title}
        </Title>
        {children}
      </Stack>
    </Paper>
  );
}
