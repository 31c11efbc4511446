'use client';
// Review queue: the next unreviewed volume of a cohort, with keyboard shortcuts
// (A accept, R reject, C focus the comment). Each decision is audited by the API.
import { useEffect, useRef, useState } from 'react';
import dynamic from 'next/dynamic';
import Link from 'next/link';
import { useParams } from 'next/navigation';
import { Alert, Anchor, Button, Group, Kbd, Paper, Progress, Stack, Text, Textarea } from '@mantine/core';
import { ReviewQueueDocument, ReviewVolumeDocument, type ReviewState } from '@/generated/gql/graphql';
import { useGql, useGqlMutation } from '@/lib/hooks';
import { featureValue } from '@/lib/conditions';
import { rowActionError } from '@/lib/errors';
import { formatFeature } from '@/lib/units';
import { PageHeader } from '@/components/page-header';
import { EmptyState, LoadingState, QueryGate } from '@/components/states';

const VolumeViewer = dynamic(() => import('@/components/volume-viewer').then((m) => m.VolumeViewer), {
  ssr: false,
  loading: () => <LoadingState label="Loading the viewer…" rows={1} />,
});

export default function ReviewQueuePage() {
  const cohortId = decodeURIComponent(useParams<{ cohortId: string }>().cohortId);
  const q = useGql(ReviewQueueDocument, { cohortId });
  const review = useGqlMutation(ReviewVolumeDocument);
  const [comment, setComment] = useState('');
  const [error, setError] = useState<string | null>(null);
  const commentRef = useRef<HTMLTextAreaElement>(null);
  const next = q.data?.cohort.volumes.edges[0]?.node ?? null;

  async function decide(state: ReviewState) {
    if (!next || review.isPending) return;
    const problem = await rowActionError(async () => (await review.mutateAsync({ volumeId: next.id, state, comment: comment.trim() || null })).reviewVolume);
    setError(problem);
    if (!problem) setComment('');
  }
  const decideRef = useRef(decide);
  decideRef.current = decide;

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'TEXTAREA' || t.tagName === 'INPUT') ) return;
      if (e.metaKey || e.ctrlKey || e.altKey) return;
      if (e.key === 'a') void decideRef.current('ACCEPTED');
      else if (e.key === 'r') void decideRef.current('REJECTED');
      else if (e.key === 'c') {
        e.preventDefault();
        commentRef.current?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <QueryGate isPending={q.isPending} error={q.error} refetch={() => void q.refetch()} what="cohort">
      {() => {
        const c = q.data!.cohort;
        const all = c.reviewed.edges.map((e) => e.node);
        const done = all.filter((v) => v.reviewState !== 'UNREVIEWED').length;
        return (
          <>
            <Text size="sm" mb={4}>
              <Anchor component={Link} href={`/cohorts/${encodeURIComponent(c.id)}`}>
                {c.name}
              </Anchor>{' '}
              / review
            </Text>
            <PageHeader
              title="Review queue"
              subtitle={
                <>
                  {done} of {all.length} finished volumes reviewed · <Kbd>A</Kbd> accept · <Kbd>R</Kbd> reject · <Kbd>C</Kbd> comment
                </>
              }
            />
            <Progress value={all.length ? (100 * done) / all.length : 0} mb="md" aria-label={`${done} of ${all.length} reviewed`} />
            {!next ? (
              <EmptyState title="Nothing left to review" action={<Button component={Link} href={`/cohorts/${encodeURIComponent(c.id)}`} variant="light">Back to the cohort</Button>}>
                Every finished volume of this cohort has been reviewed. Volumes still generating appear here when they finish.
              </EmptyState>
            ) : (
              <Group align="flex-start" gap="lg" wrap="wrap">
                <div style={{ flex: '1 1 480px', minWidth: 0 }}>
                  {next.imageUrl && <VolumeViewer key={next.id} imageUrl={next.imageUrl} maskUrl={next.maskUrl ?? null} voxelMm={c.model?.anatomicalSpacingMm ?? null} />}
                </div>
                <Paper withBorder p="md" style={{ flex: '1 1 280px' }}>
                  <Stack gap="xs">
                    <Text fw={600}>Subject {next.subjectIndex}</Text>
                    <Text size="sm">
                      Volume requested {formatFeature(c.model, 'voxel_volume', featureValue(next.requestedCondition, 'voxel_volume'))}, measured{' '}
                      {formatFeature(c.model, 'voxel_volume', featureValue(next.measuredCondition, 'voxel_volume'))}
                    </Text>
                    <Text size="sm">
                      Sphericity requested {formatFeature(c.model, 'sphericity', featureValue(next.requestedCondition, 'sphericity'))}, measured{' '}
                      {formatFeature(c.model, 'sphericity', featureValue(next.measuredCondition, 'sphericity'))}
                    </Text>
                    <Textarea ref={commentRef} label="Comment" value={comment} onChange={(e) => setComment(e.currentTarget.value)} autosize minRows={2} />
                    {error && (
                      <Alert color="red" role="alert">
                        {error}
                      </Alert>
                    )}
                    <Group>
                      <Button color="teal" onClick={() => void decide('ACCEPTED')} loading={review.isPending}>
                        Accept (A)
                      </Button>
                      <Button color="red" variant="light" onClick={() => void decide('REJECTED')} loading={review.isPending}>
                        Reject (R)
                      </Button>
                      <Anchor component={Link} href={`/volumes/${encodeURIComponent(next.id)}?cohort=${encodeURIComponent(c.id)}`} size="sm">
                        Full details
                      </Anchor>
                    </Group>
                  </Stack>
                </Paper>
              </Group>
            )}
          </>
        );
      }}
    </QueryGate>
  );
}
