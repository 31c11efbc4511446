'use client';
// The files of a version (manifest order), 100 at a time, with their size and sha256.
import { useState } from 'react';
import { Button, Code, CopyButton, Group, Paper, Stack, Text, Title, Tooltip } from '@mantine/core';
import { DatasetVersionPageDocument, type DatasetVersionPageQuery } from '@/generated/gql/graphql';
import { useGql } from '@/lib/hooks';
import { formatBytes } from '@/lib/format';
import { DataTable, type Column } from '@/components/data-table';
import { ErrorState, LoadingState } from '@/components/states';

type File = DatasetVersionPageQuery['datasetVersion']['files']['edges'][number]['node'];

const columns: Column<File>[] = [
  { key: 'path', header: 'Path', cell: (f) => <Text size="sm" className="mono" style={{ wordBreak: 'break-all' }}>{f.path}</Text> },
  { key: 'subject', header: 'Subject', cell: (f) => f.subjectIndex, sortValue: (f) => f.subjectIndex },
  { key: 'kind', header: 'Kind', cell: (f) => f.kind, sortValue: (f) => f.kind },
  { key: 'bytes', header: 'Size', cell: (f) => formatBytes(f.bytes), sortValue: (f) => f.bytes, align: 'right', nowrap: true },
  {
    key: 'sha',
    header: 'sha256',
    cell: (f) => (
      <CopyButton value={f.sha256}>
        {({ copied, copy }) => (
          <Tooltip label={copied ? 'Copied' : 'Copy the full sha256'} withinPortal>
            <Code onClick={copy} style={{ cursor: 'pointer' }}>
              {f.sha256.slice(0, 12)}…
            </Code>
          </Tooltip>
        )}
      </CopyButton>
    ),
  },
];

export function DatasetFiles({ versionId, first }: { versionId: string; first: DatasetVersionPageQuery['datasetVersion']['files'] }) {
  const [cursors, setCursors] = useState<string[]>([]);
  const after = cursors.at(-1) ?? null;
  const more = useGql(DatasetVersionPageDocument, { id: versionId, filesAfter: after }, { enabled: after !== null });
  const page = after === null ? first : more.data?.datasetVersion.files;
  return (
    <Paper withBorder p="md" component="section" aria-label="Files">
      <Stack gap="xs">
        <Group justify="space-between">
          <Title order={2} size="h5">
            Files
          </Title>
          <Text size="sm" c="dimmed">
            {first.totalCount} files
          </Text>
        </Group>
        {!page ? (
          more.error ? <ErrorState error={more.error} /> : <LoadingState label="Loading files…" rows={2} />
        ) : (
          <>
            <DataTable columns={columns} rows={page.edges.map((e) => e.node)} rowKey={(f) => f.path} rowProps={() => ({ 'data-testid': 'file-row' })} testId="files-table" minWidth={640} verticalSpacing={4} fz="sm" />
            {(page.pageInfo.hasNextPage || cursors.length > 0) && (
              <Group gap="xs">
                <Button size="xs" variant="default" disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
                  Previous 100
                </Button>
                <Button size="xs" variant="default" disabled={!page.pageInfo.hasNextPage} onClick={() => setCursors((c) => [...c, page.pageInfo.endCursor!])}>
                  Next 100
                </Button>
              </Group>
            )}
          </>
        )}
      </Stack>
    </Paper>
  );
}
