'use client';
// Lineage: the cohorts a version's volumes come from (in), and the training runs that used it (out).
import Link from 'next/link';
import { Anchor, Badge, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import type { DatasetVersionPageQuery } from '@/generated/gql/graphql';
import { DataTable, type Column } from '@/components/data-table';
import { formatDate } from '@/components/page-header';

type V = DatasetVersionPageQuery['datasetVersion'];

const cohortColumns: Column<V['cohorts'][number]>[] = [
  { key: 'name', header: 'Cohort', cell: (c) => <Anchor component={Link} href={`/cohorts/${encodeURIComponent(c.cohortId)}`} size="sm">{c.name}</Anchor> },
  { key: 'volumes', header: 'Volumes', cell: (c) => c.volumeCount, align: 'right' },
  { key: 'model', header: 'Model', cell: (c) => <Text size="sm" style={{ wordBreak: 'break-all' }}>{c.model}</Text> },
  { key: 'dist', header: 'Distribution', cell: (c) => `v${c.distributionVersion}` },
];
const runColumns: Column<V['trainingRuns'][number]>[] = [
  {
    key: 'name',
    header: 'Training run',
    cell: (r) =>
      r.url ? (
        <Anchor href={r.url} target="_blank" rel="noreferrer" size="sm">
          {r.name}
        </Anchor>
      ) : (
        r.name
      ),
  },
  { key: 'at', header: 'Registered', cell: (r) => formatDate(r.createdAt), nowrap: true },
];

export function DatasetLineage({ version }: { version: V }) {
  return (
    <Paper withBorder p="md" component="section" aria-label="Lineage">
      <Stack gap="xs">
        <Title order={2} size="h5">
          Lineage
        </Title>
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          <Stack gap={4}>
            <Text size="sm" fw={600}>
              In: cohorts <Badge size="xs" variant="light">{version.cohorts.length}</Badge>
            </Text>
            <DataTable columns={cohortColumns} rows={version.cohorts} rowKey={(c) => c.cohortId} testId="lineage-cohorts" verticalSpacing={4} fz="sm" minWidth={360} />
          </Stack>
          <Stack gap={4}>
            <Text size="sm" fw={600}>
              Out: training runs <Badge size="xs" variant="light">{version.trainingRuns.length}</Badge>
            </Text>
            <DataTable
              columns={runColumns}
              rows={version.trainingRuns}
              rowKey={(r) => r.id}
              testId="lineage-runs"
              minWidth={320}
              verticalSpacing={4}
              fz="sm"
              empty={
                <Text size="sm" c="dimmed" data-testid="lineage-runs">
                  No training run registered yet. Pipelines record one with the registerTrainingRun mutation.
                </Text>
              }
            />
          </Stack>
        </SimpleGrid>
      </Stack>
    </Paper>
  );
}
