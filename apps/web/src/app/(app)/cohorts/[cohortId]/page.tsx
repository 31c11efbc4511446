'use client';
// Cohort page: live progress (polled while the cohort is active), volumes with requested vs
// measured features, failed volumes with their error and a retry, cancel, and admin approval.
import { useMemo, useState } from 'react';
import Link from 'next/link';
import { useParams } from 'next/navigation';
import { Alert, Anchor, Button, Code, Group, Paper, Progress, SimpleGrid, Stack, Table, Text, Textarea, Title, UnstyledButton } from '@mantine/core';
import { ApproveCohortDocument, CancelCohortDocument, CohortDocument, RejectCohortDocument, RetryFailedVolumesDocument, type CohortQuery } from '@/generated/gql/graphql';
import { useGql, useGqlMutation } from '@/lib/hooks';
import { featureValue, fmt3 } from '@/lib/conditions';
import { formatDate, PageHeader } from '@/components/page-header';
import { EmptyState, QueryGate } from '@/components/states';
import { ACTIVE_COHORT, CohortStatusBadge, ReviewBadge, VolumeStatusBadge } from '@/components/cohort-status';
import { ConfirmModal } from '@/components/confirm';
import { formatDuration } from '@/components/cohort-request';
import { useCurrentTeam } from '@/components/current-team';
import { roleAtLeast } from '@/lib/roles';

type Vol = CohortQuery['cohort']['volumes']['edges'][number]['node'];
type SortKey = 'index' | 'status' | 'reqVolume' | 'measVolume' | 'review';

export default function CohortPage() {
  const cohortId = decodeURIComponent(useParams<{ cohortId: string }>().cohortId);
  // Volumes come 100 at a time; the stack holds the cursor of every page opened so far.
  const [pages, setPages] = useState<(string | null)[]>([null]);
  const after = pages[pages.length - 1] ?? null;
  const q = useGql(CohortDocument, { id: cohortId, after }, { refetchInterval: (query) => (query.state.data && ACTIVE_COHORT.includes(query.state.data.cohort.status) ? 2000 : false) });
  // The role in the cohort's own team (not in whichever team was opened last).
  const { role: currentRole } = useCurrentTeam();
  const role = q.data?.cohort.project?.team?.viewerRole ?? currentRole;
  const canWrite = roleAtLeast(role, 'MEMBER');
  const canApprove = roleAtLeast(role, 'ADMIN');
  const cancel = useGqlMutation(CancelCohortDocument);
  const retry = useGqlMutation(RetryFailedVolumesDocument);
  const approve = useGqlMutation(ApproveCohortDocument);
  const reject = useGqlMutation(RejectCohortDocument);
  const [confirmCancel, setConfirmCancel] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const [decision, setDecision] = useState('');
  const [sort, setSort] = useState<{ key: SortKey; asc: boolean }>({ key: 'index', asc: true });

  async function act(fn: () => Promise<{ userErrors: { message: string }[] }>) {
    setActionError(null);
    try {
      const r = await fn();
      if (r.userErrors.length) setActionError(r.userErrors.map((e) => e.message).join(' '));
    } catch (e) {
      setActionError(e instanceof Error ? e.message : String(e));
    }
  }

  const volumes = useMemo(() => {
    const list = [...(q.data?.cohort.volumes.edges.map((e) => e.node) ?? [])];
    const key = (v: Vol): number | string => {
      switch (sort.key) {
        case 'index':
          return v.subjectIndex;
        case 'status':
          return v.status;
        case 'review':
          return v.reviewState;
        case 'reqVolume':
          return featureValue(v.requestedCondition, 'voxel_volume') ?? -1;
        case 'measVolume':
          return featureValue(v.measuredCondition, 'voxel_volume') ?? -1;
      }
    };
    list.sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      const c = ka < kb ? -1 : ka > kb ? 1 : 0;
      return sort.asc ? c : -c;
    });
    return list;
  }, [q.data, sort]);

  const th = (key: SortKey, label: string) => (
    <Table.Th aria-sort={sort.key === key ? (sort.asc ? 'ascending' : 'descending') : 'none'}>
      <UnstyledButton onClick={() => setSort((s) => ({ key, asc: s.key === key ? !s.asc : true }))} fw={700} fz="sm">
        {label} {sort.key === key ? (sort.asc ? '▲' : '▼') : ''}
      </UnstyledButton>
    </Table.Th>
  );

  return (
    <QueryGate isPending={q.isPending} error={q.error} refetch={() => void q.refetch()} what="cohort">
      {() => {
        const c = q.data!.cohort;
        const pr = c.progress;
        const active = ACTIVE_COHORT.includes(c.status);
        const pct = (n: number) => (pr.total ? (100 * n) / pr.total : 0);
        return (
          <>
            <PageHeader
              title={<span data-testid="cohort-name">{c.name}</span>}
              subtitle={
                <>
                  {c.size} subjects · seed <Code>{c.seed}</Code> · {c.model ? `${c.model.name} ${c.model.version}` : 'model removed'}
                  {c.distributionVersion && <> · distribution v{c.distributionVersion.version}</>} · requested by {c.requestedBy?.name ?? '—'} {formatDate(c.createdAt)}
                  <br />
                  <span data-testid="cohort-sampler">
                    {c.samplerSettings.sampler} · {c.samplerSettings.numInferenceSteps} steps · eta {c.samplerSettings.eta} · guidance {c.samplerSettings.guidanceScale}
                  </span>
                </>
              }
              actions={
                <>
                  <CohortStatusBadge status={c.status} />
                  {active && canWrite && (
                    <Button color="red" variant="light" onClick={() => setConfirmCancel(true)} data-testid="cancel-cohort">
                      Cancel
                    </Button>
                  )}
                  {pr.done > 0 && canWrite && (
                    <Button variant="default" component={Link} href={`/cohorts/${encodeURIComponent(c.id)}/review`}>
                      Review queue
                    </Button>
                  )}
                  {pr.failed > 0 && !active && canWrite && (
                    <Button variant="light" loading={retry.isPending} onClick={() => void act(async () => (await retry.mutateAsync({ cohortId: c.id })).retryFailedVolumes)}>
                      Retry {pr.failed} failed
                    </Button>
                  )}
                </>
              }
            />
            {actionError && (
              <Alert color="red" role="alert" mb="md" withCloseButton onClose={() => setActionError(null)}>
                {actionError}
              </Alert>
            )}
            {c.status === 'AWAITING_APPROVAL' && canApprove && (
              <Paper withBorder p="md" mb="md">
                <Title order={2} size="h5">
                  Waiting for an admin&apos;s approval
                </Title>
                <Text size="sm" c="dimmed" mb="xs">
                  Cohorts above the team&apos;s size threshold are queued only after an owner or admin approves them (audited).
                </Text>
                <Textarea label="Comment (optional)" value={decision} onChange={(e) => setDecision(e.currentTarget.value)} autosize mb="xs" />
                <Group>
                  <Button onClick={() => void act(async () => (await approve.mutateAsync({ cohortId: c.id, comment: decision || null })).approveCohort)} loading={approve.isPending}>
                    Approve
                  </Button>
                  <Button color="red" variant="light" onClick={() => void act(async () => (await reject.mutateAsync({ cohortId: c.id, comment: decision || null })).rejectCohort)} loading={reject.isPending}>
                    Reject
                  </Button>
                </Group>
              </Paper>
            )}
            {c.decisionComment && (
              <Text size="sm" mb="md">
                Decision {formatDate(c.decidedAt)}: “{c.decisionComment}”
              </Text>
            )}
            <Paper withBorder p="md" mb="lg" data-testid="cohort-progress" data-done={pr.done} data-total={pr.total}>
              <Progress.Root size="xl" aria-label={`${pr.done} of ${pr.total} volumes done`}>
                <Progress.Section value={pct(pr.done)} color="teal" />
                <Progress.Section value={pct(pr.running)} color="indigo" animated />
                <Progress.Section value={pct(pr.failed)} color="red" />
                <Progress.Section value={pct(pr.cancelled)} color="gray" />
              </Progress.Root>
              <SimpleGrid cols={{ base: 2, sm: 3, md: 6 }} mt="sm">
                <Stat label="Done" value={`${pr.done} / ${pr.total}`} />
                <Stat label="Running" value={pr.running} />
                <Stat label="Pending" value={pr.pending} />
                <Stat label="Failed" value={pr.failed} />
                <Stat label="Rate" value={`${pr.volumesPerMinute.toFixed(1)} / min`} />
                <Stat label="ETA" value={active ? (pr.etaSeconds != null ? formatDuration(pr.etaSeconds) : c.estimatedSeconds != null ? `~${formatDuration(c.estimatedSeconds)} (estimate)` : '—') : '—'} />
              </SimpleGrid>
            </Paper>
            <Title order={2} size="h4" mb="xs">
              Volumes
            </Title>
            {volumes.length === 0 ? (
              <EmptyState title="No volumes">This cohort has no volumes.</EmptyState>
            ) : (
              <Table.ScrollContainer minWidth={820}>
                <Table striped verticalSpacing="xs" data-testid="volumes-table">
                  <Table.Thead>
                    <Table.Tr>
                      {th('index', '#')}
                      {th('status', 'Status')}
                      {th('reqVolume', 'Volume requested')}
                      {th('measVolume', 'Volume measured')}
                      <Table.Th>Sphericity req. / meas.</Table.Th>
                      <Table.Th>Centroid x,y,z req. → meas.</Table.Th>
                      {th('review', 'Review')}
                      <Table.Th>
                        <span className="sr-only">Actions</span>
                      </Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {volumes.map((v) => (
                      <Table.Tr key={v.id} data-testid="volume-row" data-status={v.status}>
                        <Table.Td>{v.subjectIndex}</Table.Td>
                        <Table.Td>
                          <VolumeStatusBadge status={v.status} />
                          {v.error && (
                            <Text size="xs" c="red" maw={260} style={{ overflowWrap: 'anywhere' }}>
                              {v.error} (attempt {v.attempts})
                            </Text>
                          )}
                        </Table.Td>
                        <Table.Td>{fmt3(featureValue(v.requestedCondition, 'voxel_volume'))}</Table.Td>
                        <Table.Td>{fmt3(featureValue(v.measuredCondition, 'voxel_volume'))}</Table.Td>
                        <Table.Td>
                          {fmt3(featureValue(v.requestedCondition, 'sphericity'))} / {fmt3(featureValue(v.measuredCondition, 'sphericity'))}
                        </Table.Td>
                        <Table.Td>
                          <Text size="xs" className="mono">
                            {(['x', 'y', 'z'] as const).map((f) => fmt3(featureValue(v.requestedCondition, f))).join(',')} → {(['x', 'y', 'z'] as const).map((f) => fmt3(featureValue(v.measuredCondition, f))).join(',')}
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          <ReviewBadge state={v.reviewState} />
                        </Table.Td>
                        <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
                          {v.status === 'SUCCEEDED' && (
                            <Anchor component={Link} href={`/volumes/${encodeURIComponent(v.id)}?cohort=${encodeURIComponent(c.id)}`} size="sm">
                              View
                            </Anchor>
                          )}
                          {v.status === 'FAILED' && canWrite && (
                            <Button size="xs" variant="subtle" onClick={() => void act(async () => (await retry.mutateAsync({ cohortId: c.id, volumeId: v.id })).retryFailedVolumes)}>
                              Retry
                            </Button>
                          )}
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            )}
            {(c.volumes.pageInfo.hasNextPage || pages.length > 1) && (
              <Group mt="xs" gap="xs">
                <Text size="sm" c="dimmed">
                  Volumes {(pages.length - 1) * 100 + 1}–{(pages.length - 1) * 100 + volumes.length} of {c.size}
                </Text>
                <Button size="xs" variant="default" disabled={pages.length === 1} onClick={() => setPages((p) => p.slice(0, -1))}>
                  Previous 100
                </Button>
                <Button
                  size="xs"
                  variant="default"
                  disabled={!c.volumes.pageInfo.hasNextPage}
                  onClick={() => setPages((p) => [...p, c.volumes.pageInfo.endCursor ?? null])}
                >
                  Next 100
                </Button>
              </Group>
            )}
            <ConfirmModal
              opened={confirmCancel}
              title="Cancel cohort"
              confirmLabel="Cancel cohort"
              loading={cancel.isPending}
              onClose={() => setConfirmCancel(false)}
              onConfirm={() =>
                void act(async () => (await cancel.mutateAsync({ cohortId: c.id })).cancelCohort).then(() => setConfirmCancel(false))
              }
            >
              Queued volumes are dropped; the running one stops at its next denoising step. Finished volumes are kept.
            </ConfirmModal>
          </>
        );
      }}
    </QueryGate>
  );
}

function Stat({ label, value }: { label: string; value: React.ReactNode }) {
  return (
    <Stack gap={0}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
        {label}
      </Text>
      <Text fw={600}>{value}</Text>
    </Stack>
  );
}
