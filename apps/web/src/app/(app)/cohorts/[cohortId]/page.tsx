'use client';
// Cohort page: live progress (polled while the cohort is active) with an ETA and what it is based on,
// the volumes as a table (requested vs measured, in physical units) or as a thumbnail grid (an axial
// slice through each tumour), failed volumes with their error and a retry, cancel, and admin approval.
// Quality control (issue 14): each volume's verdict with its reasons, the QC-failed count, the settings the
// cohort runs, and the adherence report (requested vs measured per feature, scatters with the identity line).
import { useState } from 'react';
import Link from 'next/link';
import { useParams } from 'next/navigation';
import { Alert, Anchor, Button, Code, Group, Paper, Progress, SegmentedControl, SimpleGrid, Text, Textarea, Title } from '@mantine/core';
import { ApproveCohortDocument, CancelCohortDocument, CohortDocument, RejectCohortDocument, RetryFailedVolumesDocument } from '@/generated/gql/graphql';
import { useGql, useGqlMutation } from '@/lib/hooks';
import { rowActionError } from '@/lib/errors';
import { formatDuration } from '@/lib/format';
import { can, TeamAction } from '@/lib/permissions';
import { voxelSizeLabel } from '@/lib/units';
import { formatDate, PageHeader } from '@/components/page-header';
import { EmptyState, QueryGate } from '@/components/states';
import { ACTIVE_COHORT, CohortStatusBadge } from '@/components/cohort-status';
import { ConfirmModal } from '@/components/confirm';
import { useCurrentTeam, useReportTeam } from '@/components/current-team';
import { DataTable } from '@/components/data-table';
import { volumeColumns } from '@/components/cohort/volume-columns';
import { ThumbnailGrid } from '@/components/cohort/thumbnail-grid';
import { QcBadge, QcSettingsSummary } from '@/components/cohort/qc';
import { AdherencePanel } from '@/components/cohort/adherence-panel';
import { Stat } from '@/components/stat';

export default function CohortPage() {
  const cohortId = decodeURIComponent(useParams<{ cohortId: string }>().cohortId);
  // Volumes come 100 at a time; the stack holds the cursor of every page opened so far.
  const [pages, setPages] = useState<(string | null)[]>([null]);
  const after = pages[pages.length - 1] ?? null;
  const q = useGql(CohortDocument, { id: cohortId, after }, { refetchInterval: (query) => (query.state.data && ACTIVE_COHORT.includes(query.state.data.cohort.status) ? 2000 : false) });
  useReportTeam(q.data?.cohort.project?.team?.id);
  // The permissions in the cohort's own team (not in whichever team was opened last).
  const current = useCurrentTeam();
  const perms = q.data?.cohort.project?.team?.viewerPermissions ?? current.permissions;
  const cancel = useGqlMutation(CancelCohortDocument);
  const retry = useGqlMutation(RetryFailedVolumesDocument);
  const approve = useGqlMutation(ApproveCohortDocument);
  const reject = useGqlMutation(RejectCohortDocument);
  const [confirmCancel, setConfirmCancel] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const [decision, setDecision] = useState('');
  const [view, setView] = useState<'table' | 'thumbnails'>('table');

  async function act(fn: () => Promise<{ userErrors: readonly { message: string }[] }>) {
    setActionError(null);
    setActionError(await rowActionError(fn));
  }

  return (
    <QueryGate isPending={q.isPending} error={q.error} refetch={() => void q.refetch()} what="cohort">
      {() => {
        const c = q.data!.cohort;
        const pr = c.progress;
        const active = ACTIVE_COHORT.includes(c.status);
        const pct = (n: number) => (pr.total ? (100 * n) / pr.total : 0);
        // A finished cohort: how long it took from its first volume's start, and the average rate.
        const took = c.startedAt && c.finishedAt ? (Date.parse(c.finishedAt) - Date.parse(c.startedAt)) / 1000 : null;
        const canWrite = can(perms, TeamAction.CohortCancel);
        const volumes = c.volumes.edges.map((e) => e.node);
        const columns = volumeColumns({
          model: c.model,
          cohortId: c.id,
          canRetry: can(perms, TeamAction.CohortRetry),
          onRetry: (volumeId) => void act(async () => (await retry.mutateAsync({ cohortId: c.id, volumeId })).retryFailedVolumes),
        });
        return (
          <>
            {c.project && (
              <Text size="sm" mb={4} style={{ overflowWrap: 'anywhere' }}>
                <Anchor component={Link} href={`/projects/${encodeURIComponent(c.project.id)}`}>
                  {c.project.name}
                </Anchor>{' '}
                <Code>{c.project.slug}</Code> / cohort
              </Text>
            )}
            <PageHeader
              title={<span data-testid="cohort-name">{c.name}</span>}
              subtitle={
                <>
                  {c.size} subjects · seed <Code>{c.seed}</Code> · {c.model ? `${c.model.name} ${c.model.version}` : 'model removed'}
                  {voxelSizeLabel(c.model) && ` (${voxelSizeLabel(c.model)})`}
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
                  {pr.done > 0 && can(perms, TeamAction.VolumeReview) && (
                    <Button variant="default" component={Link} href={`/cohorts/${encodeURIComponent(c.id)}/review`}>
                      Review queue
                    </Button>
                  )}
                  {pr.failed > 0 && !active && can(perms, TeamAction.CohortRetry) && (
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
            {c.status === 'AWAITING_APPROVAL' && can(perms, TeamAction.CohortApprove) && (
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
            <Paper withBorder p="md" mb="lg" data-testid="cohort-progress" data-done={pr.done} data-total={pr.total} data-qc-failed={pr.qcFailed}>
              <Progress.Root size="xl" aria-label={`${pr.done} of ${pr.total} volumes done`}>
                <Progress.Section value={pct(pr.done)} color="teal" />
                <Progress.Section value={pct(pr.running)} color="indigo" animated />
                <Progress.Section value={pct(pr.qcFailed)} color="orange" />
                <Progress.Section value={pct(pr.failed)} color="red" />
                <Progress.Section value={pct(pr.cancelled)} color="gray" />
              </Progress.Root>
              <SimpleGrid cols={{ base: 2, sm: 4, md: 7 }} mt="sm">
                <Stat label="Done" value={`${pr.done} / ${pr.total}`} />
                <Stat label="Running" value={pr.running} />
                <Stat label="Pending" value={pr.pending} />
                <Stat label="QC failed" value={pr.qcFailed} testId="cohort-qc-failed" />
                <Stat label="Failed" value={pr.failed} />
                {active || !took ? (
                  <>
                    <Stat label="Rate" value={`${pr.volumesPerMinute.toFixed(1)} / min`} />
                    <Stat label="ETA" value={active && pr.etaSeconds != null ? `~${formatDuration(pr.etaSeconds)}` : '—'} testId="cohort-eta" />
                  </>
                ) : (
                  <>
                    <Stat label="Rate" value={`${((60 * (pr.done + pr.qcFailed + pr.failed)) / Math.max(took, 1)).toFixed(1)} / min`} />
                    <Stat label="Took" value={formatDuration(took)} testId="cohort-took" />
                  </>
                )}
              </SimpleGrid>
              <div style={{ marginTop: 'var(--mantine-spacing-xs)' }}>
                <QcSettingsSummary settings={c.qcSettings} model={c.model} />
              </div>
              {active && (
                <Text size="xs" c="dimmed" mt="xs" data-testid="eta-basis">
                  ETA {pr.etaBasis}
                  {c.estimatedSeconds != null && <> · estimated {formatDuration(c.estimatedSeconds)} when requested</>}
                </Text>
              )}
            </Paper>
            <Group justify="space-between" mb="xs" wrap="wrap" gap="xs">
              <Title order={2} size="h4">
                Volumes
              </Title>
              <SegmentedControl
                size="xs"
                aria-label="Show volumes as"
                value={view}
                onChange={(v) => setView(v as 'table' | 'thumbnails')}
                data={[
                  { value: 'table', label: 'Table' },
                  { value: 'thumbnails', label: 'Thumbnails' },
                ]}
              />
            </Group>
            {view === 'thumbnails' ? (
              <ThumbnailGrid cohortId={c.id} model={c.model} active={active} badges={(v) => (v.qc && v.qc.status !== 'PASSED' ? <QcBadge qc={v.qc} /> : null)} />
            ) : (
              <>
                <DataTable
                  columns={columns}
                  rows={volumes}
                  rowKey={(v) => v.id}
                  rowProps={(v) => ({ 'data-testid': 'volume-row', 'data-status': v.status })}
                  testId="volumes-table"
                  minWidth={820}
                  striped
                  verticalSpacing="xs"
                  initialSort={{ key: 'index', asc: true }}
                  empty={<EmptyState title="No volumes">This cohort has no volumes.</EmptyState>}
                />
                {(c.volumes.pageInfo.hasNextPage || pages.length > 1) && (
                  <Group mt="xs" gap="xs">
                    <Text size="sm" c="dimmed">
                      Volumes {(pages.length - 1) * 100 + 1}–{(pages.length - 1) * 100 + volumes.length} of {c.size}
                    </Text>
                    <Button size="xs" variant="default" disabled={pages.length === 1} onClick={() => setPages((p) => p.slice(0, -1))}>
                      Previous 100
                    </Button>
                    <Button size="xs" variant="default" disabled={!c.volumes.pageInfo.hasNextPage} onClick={() => setPages((p) => [...p, c.volumes.pageInfo.endCursor ?? null])}>
                      Next 100
                    </Button>
                  </Group>
                )}
              </>
            )}
            {pr.done + pr.qcFailed > 0 && (
              <div style={{ marginTop: 'var(--mantine-spacing-xl)' }}>
                <AdherencePanel adherence={c.adherence} model={c.model} />
              </div>
            )}
            <ConfirmModal
              opened={confirmCancel}
              title="Cancel cohort"
              confirmLabel="Cancel cohort"
              loading={cancel.isPending}
              onClose={() => setConfirmCancel(false)}
              onConfirm={() => void act(async () => (await cancel.mutateAsync({ cohortId: c.id })).cancelCohort).then(() => setConfirmCancel(false))}
            >
              Queued volumes are dropped; the running one stops at its next denoising step. Finished volumes are kept.
            </ConfirmModal>
          </>
        );
      }}
    </QueryGate>
  );
}
