'use client';
// The delivery log of one webhook: each event sent, its status, attempts and the endpoint's answer.
import { Badge, Stack, Text } from '@mantine/core';
import type { WebhooksQuery } from '@/generated/gql/graphql';
import { DataTable, type Column } from '@/components/data-table';
import { formatDate } from '@/components/page-header';

export type Webhook = WebhooksQuery['webhooks'][number];
type Delivery = Webhook['deliveries'][number];

/** Delivery log entries fetched per webhook (the API allows 1..100). */
export const DELIVERY_LIMIT = 20;
const DELIVERY_COLOUR: Record<string, string> = { DELIVERED: 'teal', PENDING: 'yellow', FAILED: 'red' };

const columns: Column<Delivery>[] = [
  { key: 'event', header: 'Event', cell: (d) => d.event },
  {
    key: 'status',
    header: 'Status',
    cell: (d) => (
      <Badge size="sm" color={DELIVERY_COLOUR[d.status] ?? 'gray'}>
        {d.status.toLowerCase()}
      </Badge>
    ),
  },
  { key: 'attempts', header: 'Attempts', cell: (d) => d.attempts },
  { key: 'response', header: 'Response', cell: (d) => d.responseCode ?? '—' },
  { key: 'error', header: 'Last error', cell: (d) => <span style={{ wordBreak: 'break-word' }}>{d.lastError ?? '—'}</span> },
  { key: 'created', header: 'Created', cell: (d) => formatDate(d.createdAt), nowrap: true },
  { key: 'delivered', header: 'Delivered', cell: (d) => formatDate(d.deliveredAt), nowrap: true },
];

export function DeliveryLog({ webhook }: { webhook: Webhook }) {
  if (webhook.deliveries.length === 0)
    return (
      <Text size="sm" c="dimmed" data-testid="webhook-deliveries">
        No deliveries yet. Each event this webhook subscribes to will be listed here with its status and the endpoint&apos;s answer.
      </Text>
    );
  return (
    <Stack gap={4}>
      <DataTable
        columns={columns}
        rows={webhook.deliveries}
        rowKey={(d) => d.id}
        rowProps={() => ({ 'data-testid': 'delivery-row' })}
        testId="webhook-deliveries"
        ariaLabel={`Recent deliveries to ${webhook.url}`}
        verticalSpacing={4}
        fz="sm"
      />
      {webhook.deliveries.length >= DELIVERY_LIMIT && (
        <Text size="xs" c="dimmed">
          The latest {DELIVERY_LIMIT} deliveries.
        </Text>
      )}
    </Stack>
  );
}
