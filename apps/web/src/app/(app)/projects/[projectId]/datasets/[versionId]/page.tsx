'use client';
// A dataset version: what it holds (files, size), where its tags point (move one, confirmed and audited),
// how it differs from another version, where it came from and what used it, and how to pull it.
import Link from 'next/link';
import { useParams } from 'next/navigation';
import { Anchor, Badge, Button, Code, Group, SimpleGrid, Stack, Text } from '@mantine/core';
import { DatasetVersionPageDocument } from '@/generated/gql/graphql';
import { useGql } from '@/lib/hooks';
import { formatBytes } from '@/lib/format';
import { can, TeamAction } from '@/lib/permissions';
import { formatDate, PageHeader } from '@/components/page-header';
import { QueryGate } from '@/components/states';
import { useReportTeam } from '@/components/current-team';
import { UseDatasetBox } from '@/components/dataset/use-dataset-box';
import { TagManager } from '@/components/dataset/tag-manager';
import { DatasetFiles } from '@/components/dataset/dataset-files';
import { DatasetLineage } from '@/components/dataset/dataset-lineage';
import { DatasetDiff } from '@/components/dataset/dataset-diff';

export default function DatasetVersionPage() {
  const params = useParams<{ projectId: string; versionId: string }>();
  const versionId = decodeURIComponent(params.versionId);
  const q = useGql(DatasetVersionPageDocument, { id: versionId, filesAfter: null });
  useReportTeam(q.data?.datasetVersion.project?.team?.id);
  return (
    <QueryGate isPending={q.isPending} error={q.error} refetch={() => void q.refetch()} what="dataset version">
      {() => {
        const v = q.data!.datasetVersion;
        const p = v.project!;
        return (
          <>
            <Text size="sm" mb={4} style={{ overflowWrap: 'anywhere' }}>
              <Anchor component={Link} href={`/projects/${encodeURIComponent(p.id)}`}>
                {p.name}
              </Anchor>{' '}
              <Code>{p.slug}</Code> / dataset
            </Text>
            <PageHeader
              title={
                <span data-testid="dataset-title">
                  {p.slug}/{v.dataset}@{v.manifestHash.slice(0, 8)}
                </span>
              }
              subtitle={
                <>
                  {v.volumeCount} volumes · {formatBytes(v.totalBytes)} · published {formatDate(v.createdAt)} by {v.createdBy?.name ?? '—'}
                  <br />
                  <Code style={{ wordBreak: 'break-all' }} data-testid="manifest-hash">
                    {v.manifestHash}
                  </Code>
                </>
              }
              actions={
                <>
                  <Button component="a" href={v.manifestUrl} target="_blank" rel="noreferrer" variant="default" size="xs">
                    Manifest
                  </Button>
                  <Button component="a" href={v.exportUrl} download variant="default" size="xs">
                    Export (.tar)
                  </Button>
                </>
              }
            />
            <Group gap={4} mb="md" data-testid="version-tags">
              {v.tags.map((t) => (
                <Badge key={t} variant="light" tt="none">
                  {t}
                </Badge>
              ))}
            </Group>
            {v.description && <Text mb="md">{v.description}</Text>}
            <Stack gap="lg">
              <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
                <UseDatasetBox projectSlug={p.slug} dataset={v.dataset} tags={v.tags} manifestHash={v.manifestHash} />
                <TagManager projectId={p.id} versionId={v.id} manifestHash={v.manifestHash} tags={v.datasetTags} canMove={can(p.team?.viewerPermissions, TeamAction.DatasetTag)} />
              </SimpleGrid>
              <DatasetDiff projectId={p.id} dataset={v.dataset} versionId={v.id} manifestHash={v.manifestHash} />
              <DatasetLineage version={v} />
              <DatasetFiles versionId={v.id} first={v.files} />
            </Stack>
          </>
        );
      }}
    </QueryGate>
  );
}
