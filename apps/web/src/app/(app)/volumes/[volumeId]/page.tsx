'use client';
// Volume viewer: NiiVue with the image and mask (opening at the tumour), requested vs measured features
// in physical units (the anatomy one voxel covers, as the model declares it), provenance, downloads, and
// review (accept / reject with a comment; audited by the API), and quality control: the verdict, every try
// with its checks (measured vs limit) and which try's files were kept.
import { useState } from 'react';
import dynamic from 'next/dynamic';
import Link from 'next/link';
import { useParams, useSearchParams } from 'next/navigation';
import { Alert, Anchor, Button, Code, Grid, Group, Paper, Stack, Text, Textarea, Title } from '@mantine/core';
import { ReviewVolumeDocument, VolumeDocument, type ReviewState } from '@/generated/gql/graphql';
import { useGql, useGqlMutation } from '@/lib/hooks';
import { featureValue, type ConditionRecord } from '@/lib/conditions';
import { FEATURE_LABEL, FEATURES, type Feature } from '@/lib/spec';
import { DataTable } from '@/components/data-table';
import { formatFeature, voxelSizeLabel } from '@/lib/units';
import { rowActionError } from '@/lib/errors';
import { formatBytes } from '@/lib/format';
import { formatDate, PageHeader } from '@/components/page-header';
import { LoadingState, QueryGate } from '@/components/states';
import { ReviewBadge, VolumeStatusBadge } from '@/components/cohort-status';
import { useCurrentTeam, useReportTeam } from '@/components/current-team';
import { can, TeamAction } from '@/lib/permissions';
import { ProvenanceSummary } from '@/components/provenance-summary';
import { QcBadge, QcTries } from '@/components/cohort/qc';
import { AttemptHistory } from '@/components/attempt-history';
import type { VolumeProvenance } from '@slicewise/provenance';

const VolumeViewer = dynamic(() => import('@/components/volume-viewer').then((m) => m.VolumeViewer), {
  ssr: false,
  loading: () => <LoadingState label="Loading the viewer…" rows={1} />,
});

export default function VolumePage() {
  const volumeId = decodeURIComponent(useParams<{ volumeId: string }>().volumeId);
  const cohortId = useSearchParams().get('cohort');
  const q = useGql(VolumeDocument, { id: volumeId });
  const current = useCurrentTeam();
  useReportTeam(q.data?.volume.cohort?.project?.team?.id);
  const canReview = can(q.data?.volume.cohort?.project?.team?.viewerPermissions ?? current.permissions, TeamAction.VolumeReview);
  const review = useGqlMutation(ReviewVolumeDocument);
  const [comment, setComment] = useState('');
  const [reviewError, setReviewError] = useState<string | null>(null);

  async function submitReview(state: ReviewState) {
    const problem = await rowActionError(async () => (await review.mutateAsync({ volumeId, state, comment: comment.trim() || null })).reviewVolume);
    setReviewError(problem);
    if (!problem) setComment('');
  }

  return (
    <QueryGate isPending={q.isPending} error={q.error} refetch={() => void q.refetch()} what="volume">
      {() => {
        const v = q.data!.volume;
        const measured = v.measuredCondition as ConditionRecord | null;
        const model = v.cohort?.model ?? null;
        return (
          <>
            {cohortId && (
              <Text size="sm" mb={4}>
                <Anchor component={Link} href={`/cohorts/${encodeURIComponent(cohortId)}`}>
                  {v.cohort?.name ?? 'Cohort'}
                </Anchor>{' '}
                / subject {v.subjectIndex}
              </Text>
            )}
            <PageHeader
              title={`Subject ${v.subjectIndex}`}
              subtitle={
                <>
                  Finished {formatDate(v.finishedAt)} · attempt {v.attempts}
                </>
              }
              actions={
                <>
                  <VolumeStatusBadge status={v.status} />
                  <QcBadge qc={v.qc} />
                  <ReviewBadge state={v.reviewState} />
                </>
              }
            />
            <Grid gap="lg">
              <Grid.Col span={{ base: 12, md: 7 }}>
                {v.imageUrl ? (
                  <VolumeViewer imageUrl={v.imageUrl} maskUrl={v.maskUrl ?? null} voxelMm={model?.anatomicalSpacingMm ?? null} />
                ) : (
                  <Alert color="gray">No image yet (status {v.status.toLowerCase()}).</Alert>
                )}
                <Group mt="sm">
                  {v.imageUrl && (
                    <Button component="a" href={v.imageUrl} download variant="default" data-testid="download-image">
                      Download image (.nii.gz) {formatBytes(v.imageBytes)}
                    </Button>
                  )}
                  {v.maskUrl && (
                    <Button component="a" href={v.maskUrl} download variant="default" data-testid="download-mask">
                      Download mask (.nii.gz) {formatBytes(v.maskBytes)}
                    </Button>
                  )}
                </Group>
                {v.imageSha256 && (
                  <Text size="xs" c="dimmed" mt={4}>
                    sha256 image <Code>{v.imageSha256.slice(0, 16)}…</Code> mask <Code>{v.maskSha256?.slice(0, 16)}…</Code>
                  </Text>
                )}
              </Grid.Col>
              <Grid.Col span={{ base: 12, md: 5 }}>
                <Stack>
                  <Paper withBorder p="sm">
                    <Title order={2} size="h5" mb="xs">
                      Requested vs measured
                    </Title>
                    <DataTable
                      columns={[
                        { key: 'feature', header: 'Feature', cell: (f: Feature) => FEATURE_LABEL[f] },
                        { key: 'requested', header: 'Requested', cell: (f: Feature) => formatFeature(model, f, featureValue(v.requestedCondition, f)), nowrap: true },
                        { key: 'measured', header: 'Measured', cell: (f: Feature) => formatFeature(model, f, featureValue(v.measuredCondition, f)), nowrap: true },
                      ]}
                      rows={FEATURES}
                      rowKey={(f) => f}
                      testId="features-table"
                      fz="sm"
                      verticalSpacing={4}
                    />
                    <Text size="xs" c="dimmed" mt="xs" data-testid="units-note">
                      {voxelSizeLabel(model) ? `Physical units for ${voxelSizeLabel(model)} of anatomy, as ${model?.name} declares.` : 'Normalised units (the model declares no voxel size).'} Centroids
                      and extents are measured from the grid&apos;s corner.
                      {measured?.empty ? ' The generated mask is empty.' : ''}
                    </Text>
                  </Paper>
                  <Paper withBorder p="sm" data-testid="qc-panel">
                    <Title order={2} size="h5" mb="xs">
                      Quality control
                    </Title>
                    {v.qc ? (
                      <QcTries qc={v.qc} />
                    ) : (
                      <Text size="sm" c="dimmed">
                        Not checked yet (the volume has not been generated).
                      </Text>
                    )}
                  </Paper>
                  <Paper withBorder p="sm" data-testid="attempts-panel">
                    <Title order={2} size="h5" mb="xs">
                      Attempts
                    </Title>
                    <AttemptHistory attempts={v.attemptHistory} />
                  </Paper>
                  <Paper withBorder p="sm">
                    <Title order={2} size="h5" mb="xs">
                      Review
                    </Title>
                    {v.reviewedAt && (
                      <Text size="sm" mb="xs" data-testid="review-record">
                        {v.reviewState.toLowerCase()} by {v.reviewedBy?.name ?? '—'} {formatDate(v.reviewedAt)}
                        {v.reviewComment && <>: “{v.reviewComment}”</>}
                      </Text>
                    )}
                    {canReview && <Textarea label="Comment" value={comment} onChange={(e) => setComment(e.currentTarget.value)} autosize minRows={2} />}
                    {reviewError && (
                      <Text size="sm" c="red" role="alert" mt={4}>
                        {reviewError}
                      </Text>
                    )}
                    {canReview && <Group mt="xs">
                      <Button color="teal" onClick={() => void submitReview('ACCEPTED')} loading={review.isPending} data-testid="accept-volume">
                        Accept
                      </Button>
                      <Button color="red" variant="light" onClick={() => void submitReview('REJECTED')} loading={review.isPending}>
                        Reject
                      </Button>
                    </Group>}
                    {!v.reviewedAt && !canReview && (
                      <Text size="sm" c="dimmed">
                        Not reviewed yet. Members review volumes.
                      </Text>
                    )}
                  </Paper>
                  <Paper withBorder p="sm">
                    <Title order={2} size="h5" mb="xs">
                      Provenance
                    </Title>
                    {v.provenance ? (
                      // written only by the worker's typed builder (apps/worker/src/pipeline/provenance.ts)
                      <ProvenanceSummary record={v.provenance as VolumeProvenance} />
                    ) : (
                      <Text size="sm" c="dimmed">
                        No provenance record yet.
                      </Text>
                    )}
                  </Paper>
                </Stack>
              </Grid.Col>
            </Grid>
          </>
        );
      }}
    </QueryGate>
  );
}
