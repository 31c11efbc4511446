'use client';
import { useMemo, useState } from 'react';
import { useParams } from 'next/navigation';
import { Badge, Button, Code, Group, Paper, Select, Text, TextInput, Tooltip } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { AuditEventsDocument, TeamProjectsDocument, type AuditEventsQuery, type AuditFilterInput } from '@/generated/gql/graphql';
import { useGql } from '@/lib/hooks';
import { ApiError } from '@/lib/graphql-client';
import { can, TeamAction } from '@/lib/permissions';
import { formatDate, PageHeader } from '@/components/page-header';
import { EmptyState, ErrorState, LoadingState, NotFoundState } from '@/components/states';
import { useReportTeam } from '@/components/current-team';
import { DataTable, type Column } from '@/components/data-table';

type AuditEvent = AuditEventsQuery['auditEvents']['edges'][number]['node'];

const columns: Column<AuditEvent>[] = [
  { key: 'when', header: 'When', cell: (ev) => formatDate(ev.createdAt), nowrap: true },
  {
    key: 'actor',
    header: 'Actor',
    cell: (ev) => (
      <>
        {ev.actor?.name ?? 'system'}
        {ev.actor && (
          <Text size="xs" c="dimmed">
            {ev.actor.email}
          </Text>
        )}
      </>
    ),
  },
  {
    key: 'action',
    header: 'Action',
    nowrap: true,
    // The whole action name, never cut ("dataset.publish", not "datase...").
    cell: (ev) => (
      <Badge variant="light" tt="none" maw="none" styles={{ label: { overflow: 'visible', textOverflow: 'clip' } }} data-testid="audit-action">
        {ev.action}
      </Badge>
    ),
  },
  { key: 'target', header: 'Target', cell: (ev) => ev.targetType },
  {
    key: 'details',
    header: 'Details',
    cell: (ev) => (
      <Tooltip label={`request ${ev.requestId ?? '—'}`} withinPortal>
        <Code style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>{JSON.stringify(ev.data)}</Code>
      </Tooltip>
    ),
  },
];

/** A yyyy-mm-dd from a date input, as the start (or the end) of that day in the browser's time zone. */
function dayBound(day: string, end: boolean): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const d = new Date(`${day}T00:00:00`);
  if (end) d.setDate(d.getDate() + 1);
  return d.toISOString();
}

export default function AuditPage() {
  const teamId = decodeURIComponent(useParams<{ teamId: string }>().teamId);
  const teamQ = useGql(TeamProjectsDocument, { teamId });
  useReportTeam(teamQ.data?.team.id);
  const allowed = can(teamQ.data?.team.viewerPermissions, TeamAction.AuditRead);

  const [action, setAction] = useState('');
  const [actorId, setActorId] = useState<string | null>(null);
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const [debouncedAction] = useDebouncedValue(action.trim(), 300);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1] ?? null;

  const rangeError = since && until && since > until ? `"From" (${since}) is after "to" (${until})` : null;
  const filter = useMemo<AuditFilterInput>(
    () => ({
      ...(debouncedAction ? { action: debouncedAction } : {}),
      ...(actorId ? { actorId } : {}),
      ...(dayBound(since, false) ? { since: dayBound(since, false) } : {}),
      ...(dayBound(until, true) ? { until: dayBound(until, true) } : {}),
    }),
    [debouncedAction, actorId, since, until],
  );
  const q = useGql(AuditEventsDocument, { teamId, filter, after }, { enabled: allowed && !rangeError, placeholderData: (prev) => prev });
  const resetPages = () => setCursors([null]);

  if (teamQ.isPending) return <LoadingState label="Loading team…" />;
  if (teamQ.error instanceof ApiError && teamQ.error.code === 'NOT_FOUND') return <NotFoundState what="team" />;
  if (teamQ.error) return <ErrorState error={teamQ.error} onRetry={() => void teamQ.refetch()} />;
  const team = teamQ.data!.team;
  if (!allowed)
    return (
      <>
        <PageHeader title="Audit log" subtitle={team.name} />
        <EmptyState title="The audit log is for admins">Ask an owner or admin of {team.name} if you need to know who did what.</EmptyState>
      </>
    );

  const members = q.data?.team.members.edges.map((e) => e.node.user).filter((u): u is NonNullable<typeof u> => !!u) ?? [];
  const events = q.data?.auditEvents.edges.map((e) => e.node) ?? [];

  return (
    <>
      <PageHeader title="Audit log" subtitle={`${team.name} · every change, newest first`} />
      <Paper withBorder p="md" mb="md">
        <Group align="flex-end" gap="sm" wrap="wrap">
          <TextInput
            label="Action"
            placeholder="e.g. project.create"
            value={action}
            onChange={(e) => {
              setAction(e.currentTarget.value);
              resetPages();
            }}
            w={200}
          />
          <Select
            label="Actor"
            placeholder="Anyone"
            clearable
            searchable
            data={members.map((u) => ({ value: u.id, label: `${u.name} (${u.email})` }))}
            value={actorId}
            onChange={(v) => {
              setActorId(v);
              resetPages();
            }}
            w={240}
          />
          <TextInput label="From" type="date" value={since} onChange={(e) => (setSince(e.currentTarget.value), resetPages())} w={160} />
          <TextInput label="To" type="date" value={until} onChange={(e) => (setUntil(e.currentTarget.value), resetPages())} w={160} error={rangeError} />
        </Group>
      </Paper>
      {rangeError ? null : q.isPending ? (
        <LoadingState label="Loading audit events…" />
      ) : q.error ? (
        <ErrorState error={q.error} onRetry={() => void q.refetch()} />
      ) : events.length === 0 ? (
        <EmptyState title="No events match">Change or clear the filters.</EmptyState>
      ) : (
        <>
          <DataTable columns={columns} rows={events} rowKey={(ev) => ev.id} testId="audit-table" minWidth={720} striped verticalSpacing="xs" busy={q.isFetching} />
          <Group justify="space-between" mt="sm">
            <Button variant="default" disabled={cursors.length < 2} onClick={() => setCursors((c) => c.slice(0, -1))}>
              Newer
            </Button>
            <Text size="sm" c="dimmed">
              Page {cursors.length}
            </Text>
            <Button
              variant="default"
              disabled={!q.data?.auditEvents.pageInfo.hasNextPage}
              onClick={() => setCursors((c) => [...c, q.data!.auditEvents.pageInfo.endCursor ?? null])}
            >
              Older
            </Button>
          </Group>
        </>
      )}
    </>
  );
}
