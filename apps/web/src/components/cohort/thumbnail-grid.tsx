'use client';
// The whole cohort at a glance: one axial slice through each generated tumour (the mask outlined in red),
// 48 at a time, each linking to its viewer. `badges` adds per-volume badges (quality control, say).
import { useState, type ReactNode } from 'react';
import Link from 'next/link';
import { Button, Card, Group, SimpleGrid, Stack, Text } from '@mantine/core';
import { CohortThumbnailsDocument, type CohortThumbnailsQuery } from '@/generated/gql/graphql';
import { featureValue } from '@/lib/conditions';
import { useGql } from '@/lib/hooks';
import { formatFeature, type UnitModel } from '@/lib/units';
import { ReviewBadge, VolumeStatusBadge } from '@/components/cohort-status';
import { EmptyState, ErrorState, LoadingState } from '@/components/states';

export type ThumbnailVolume = CohortThumbnailsQuery['cohort']['volumes']['edges'][number]['node'];

export function ThumbnailGrid({ cohortId, model, active, badges }: { cohortId: string; model: UnitModel; active: boolean; badges?: (v: ThumbnailVolume) => ReactNode }) {
  const [pages, setPages] = useState<(string | null)[]>([null]);
  const after = pages.at(-1) ?? null;
  // While the cohort runs, new volumes keep arriving.
  const q = useGql(CohortThumbnailsDocument, { id: cohortId, after }, { placeholderData: (p) => p, refetchInterval: active ? 4000 : false });
  if (q.isPending) return <LoadingState label="Loading thumbnails…" rows={2} />;
  if (q.error) return <ErrorState error={q.error} onRetry={() => void q.refetch()} />;
  const c = q.data!.cohort.volumes;
  const vols = c.edges.map((e) => e.node);
  if (vols.length === 0) return <EmptyState title="No volumes">This cohort has no volumes.</EmptyState>;
  return (
    <Stack gap="xs">
      <SimpleGrid cols={{ base: 3, xs: 4, sm: 6, md: 8 }} spacing="xs" data-testid="thumbnail-grid">
        {vols.map((v) => (
          <Card key={v.id} withBorder p={4} component={Link} href={`/volumes/${encodeURIComponent(v.id)}?cohort=${encodeURIComponent(cohortId)}`} data-testid="thumbnail" data-subject={v.subjectIndex} data-mask-voxels={v.thumbnail?.sliceMaskVoxels ?? ''}>
            {v.thumbnail ? (
              // a data: URL made by the API: next/image has nothing to optimise
              <img
                src={v.thumbnail.dataUrl}
                alt={`Subject ${v.subjectIndex}: axial slice ${v.thumbnail.sliceIndex} through the tumour (${v.thumbnail.sliceMaskVoxels} tumour voxels in it)`}
                width={v.thumbnail.width}
                height={v.thumbnail.height}
                style={{ width: '100%', height: 'auto', aspectRatio: `${v.thumbnail.width} / ${v.thumbnail.height}`, imageRendering: 'pixelated', display: 'block', borderRadius: 4, background: '#000' }}
              />
            ) : (
              <Text size="xs" c="dimmed" ta="center" py="md">
                {v.status === 'PENDING' || v.status === 'RUNNING' ? 'not generated yet' : 'no preview'}
              </Text>
            )}
            <Group justify="space-between" gap={2} mt={2} wrap="nowrap">
              <Text size="xs" fw={600}>
                #{v.subjectIndex}
              </Text>
              <Text size="xs" c="dimmed" truncate>
                {formatFeature(model, 'voxel_volume', featureValue(v.measuredCondition, 'voxel_volume'))}
              </Text>
            </Group>
            <Group gap={2} wrap="wrap">
              {v.status !== 'SUCCEEDED' && <VolumeStatusBadge status={v.status} />}
              {v.reviewState !== 'UNREVIEWED' && <ReviewBadge state={v.reviewState} />}
              {badges?.(v)}
            </Group>
          </Card>
        ))}
      </SimpleGrid>
      {(c.pageInfo.hasNextPage || pages.length > 1) && (
        <Group gap="xs">
          <Button size="xs" variant="default" disabled={pages.length === 1} onClick={() => setPages((p) => p.slice(0, -1))}>
            Previous 48
          </Button>
          <Button size="xs" variant="default" disabled={!c.pageInfo.hasNextPage} onClick={() => setPages((p) => [...p, c.pageInfo.endCursor ?? null])}>
            Next 48
          </Button>
        </Group>
      )}
    </Stack>
  );
}
