'use client';
// A team's webhooks (owners and admins: webhook.manage): create, list with the delivery log, remove.
import { useState } from 'react';
import { Alert, Badge, Button, Group, Text } from '@mantine/core';
import { DeleteWebhookDocument, WebhooksDocument, type TeamSettingsQuery } from '@/generated/gql/graphql';
import { rowActionError } from '@/lib/errors';
import { useGql, useGqlMutation } from '@/lib/hooks';
import { can, roleLabel, TeamAction } from '@/lib/permissions';
import { ConfirmModal } from '@/components/confirm';
import { DataTable, type Column } from '@/components/data-table';
import { formatDate } from '@/components/page-header';
import { EmptyState, ErrorState, LoadingState } from '@/components/states';
import { CreateWebhookForm, type WebhookEvents } from './create-webhook-form';
import { DeliveryLog, DELIVERY_LIMIT, type Webhook } from './delivery-log';
import { Section } from './section';

export function WebhooksSection({ team, events }: { team: TeamSettingsQuery['team']; events: WebhookEvents }) {
  const allowed = can(team.viewerPermissions, TeamAction.WebhookManage);
  // Others may not list webhooks: do not ask. Poll while a delivery is still pending.
  const q = useGql(
    WebhooksDocument,
    { teamId: team.id, deliveries: DELIVERY_LIMIT },
    { enabled: allowed, refetchInterval: (query) => (query.state.data?.webhooks.some((w) => w.deliveries.some((d) => d.status === 'PENDING')) ? 5000 : false) },
  );
  const remove = useGqlMutation(DeleteWebhookDocument);
  const [removing, setRemoving] = useState<{ id: string; url: string } | null>(null);
  const [rowError, setRowError] = useState<string | null>(null);
  const [expanded, setExpanded] = useState<Record<string, boolean>>({});

  if (!allowed)
    return (
      <Section title="Webhooks">
        <EmptyState title="Webhooks are for admins">
          Your role in this team is {team.viewerRole ? roleLabel(team.viewerRole) : 'unknown'}; owners and admins can create webhooks and read their delivery log.
        </EmptyState>
      </Section>
    );

  async function onRemove() {
    if (!removing) return;
    setRowError(null);
    setRowError(await rowActionError(async () => (await remove.mutateAsync({ webhookId: removing.id })).deleteWebhook));
    setRemoving(null);
  }

  const columns: Column<Webhook>[] = [
    { key: 'url', header: 'URL', cell: (w) => <span style={{ wordBreak: 'break-all' }}>{w.url}</span> },
    {
      key: 'events',
      header: 'Events',
      cell: (w) => (
        <Group gap={4}>
          {w.events.map((e) => (
            <Badge key={e} size="sm" variant="light" tt="none">
              {e}
            </Badge>
          ))}
        </Group>
      ),
    },
    { key: 'status', header: 'Status', cell: (w) => <span data-testid="webhook-status">{w.active ? <Badge color="teal">active</Badge> : <Badge color="gray">removed</Badge>}</span> },
    { key: 'created', header: 'Created', cell: (w) => formatDate(w.createdAt) },
    {
      key: 'actions',
      header: 'Actions',
      srOnlyHeader: true,
      align: 'right',
      cell: (w) => {
        const open = expanded[w.id] ?? false;
        return (
          <Group gap={4} justify="flex-end" wrap="nowrap">
            <Button size="xs" variant="subtle" aria-expanded={open} aria-controls={`deliveries-${w.id}`} onClick={() => setExpanded((x) => ({ ...x, [w.id]: !open }))}>
              {open ? 'Hide' : 'Show'} deliveries ({w.deliveries.length}
              {w.deliveries.length >= DELIVERY_LIMIT ? '+' : ''})
            </Button>
            {w.active && (
              <Button size="xs" variant="subtle" color="red" onClick={() => setRemoving({ id: w.id, url: w.url })}>
                Remove
              </Button>
            )}
          </Group>
        );
      },
    },
  ];

  return (
    <Section title="Webhooks">
      <Text size="sm" c="dimmed">
        Slicewise POSTs a JSON body to each active webhook when an event it subscribes to happens, signed with its secret, and retries with backoff until the endpoint answers 2xx.
      </Text>
      <CreateWebhookForm teamId={team.id} events={events} />
      {rowError && (
        <Alert color="red" role="alert" withCloseButton onClose={() => setRowError(null)}>
          {rowError}
        </Alert>
      )}
      {q.isPending ? (
        <LoadingState label="Loading webhooks…" />
      ) : q.error ? (
        <ErrorState error={q.error} onRetry={() => void q.refetch()} />
      ) : (
        <DataTable
          columns={columns}
          rows={q.data!.webhooks}
          rowKey={(w) => w.id}
          rowProps={(w) => ({ 'data-testid': 'webhook-row', 'data-webhook-url': w.url })}
          below={(w) => (expanded[w.id] ? <DeliveryLog webhook={w} /> : null)}
          belowId={(w) => `deliveries-${w.id}`}
          testId="webhooks-table"
          minWidth={720}
          empty={<EmptyState title="No webhooks yet">Create a webhook to have your pipeline notified when a cohort completes or a dataset version is published.</EmptyState>}
        />
      )}
      <ConfirmModal opened={removing !== null} title="Remove webhook" confirmLabel="Remove" loading={remove.isPending} onConfirm={() => void onRemove()} onClose={() => setRemoving(null)}>
        Slicewise stops sending events to {removing?.url}. Its delivery log is kept. This cannot be undone.
      </ConfirmModal>
    </Section>
  );
}
