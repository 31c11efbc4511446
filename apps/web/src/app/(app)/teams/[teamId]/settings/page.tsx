'use client';
import { Fragment, useState, type ReactNode } from 'react';
import { useParams } from 'next/navigation';
import { Alert, Badge, Button, Checkbox, Group, NumberInput, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import {
  CreateWebhookDocument,
  DeleteWebhookDocument,
  TeamSettingsDocument,
  UpdateTeamDocument,
  WebhooksDocument,
  type Role,
  type TeamSettingsQuery,
  type WebhooksQuery,
} from '@/generated/gql/graphql';
import { useGql, useGqlMutation } from '@/lib/hooks';
import { rowActionError, splitUserErrors, type UserErrorLike } from '@/lib/graphql-client';
import { can, roleLabel } from '@/lib/roles';
import { approvalThresholdError, httpUrlError, nameError } from '@/lib/validators';
import { formatDate, PageHeader } from '@/components/page-header';
import { EmptyState, ErrorState, LoadingState, QueryGate } from '@/components/states';
import { ConfirmModal } from '@/components/confirm';
import { SecretOnceModal } from '@/components/secret-once';
import { useReportTeam } from '@/components/current-team';

/** The events a webhook may subscribe to (apps/api/src/webhooks/webhook.service.ts WEBHOOK_EVENTS). */
const WEBHOOK_EVENTS = [
  { value: 'cohort.completed', help: 'a cohort finished generating' },
  { value: 'dataset.published', help: 'a new dataset version was published' },
];
/** Delivery log entries fetched per webhook (the API allows 1..100). */
const DELIVERY_LIMIT = 20;

type Team = TeamSettingsQuery['team'];
type Webhook = WebhooksQuery['webhooks'][number];

export default function TeamSettingsPage() {
  const teamId = decodeURIComponent(useParams<{ teamId: string }>().teamId);
  const q = useGql(TeamSettingsDocument, { teamId });
  useReportTeam(q.data?.team.id);
  return (
    <QueryGate isPending={q.isPending} error={q.error} refetch={() => void q.refetch()} what="team">
      {() => {
        const team = q.data!.team;
        return (
          <>
            <PageHeader title="Team settings" subtitle={team.name} />
            <Stack gap="xl">
              <GeneralSection team={team} />
              <WebhooksSection teamId={team.id} role={team.viewerRole ?? null} />
            </Stack>
          </>
        );
      }}
    </QueryGate>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Paper component="section" aria-label={title} p={0}>
      <Stack gap="xs">
        <Title order={2} size="h4">
          {title}
        </Title>
        {children}
      </Stack>
    </Paper>
  );
}

function thresholdSummary(threshold: number | null | undefined): string {
  return threshold == null ? 'No cohort needs approval: every request is queued at once.' : `Cohorts with more than ${threshold} subjects wait for an admin's approval.`;
}

function GeneralSection({ team }: { team: Team }) {
  const editable = can.updateTeam(team.viewerRole);
  const update = useGqlMutation(UpdateTeamDocument);
  const [general, setGeneral] = useState<string[]>([]);
  const [saved, setSaved] = useState(false);
  const form = useForm<{ name: string; approvalThreshold: number | string }>({
    initialValues: { name: team.name, approvalThreshold: team.approvalThreshold ?? '' },
    validateInputOnChange: true,
    validate: { name: nameError('Team name'), approvalThreshold: approvalThresholdError },
    onValuesChange: () => setSaved(false),
  });
  const submit = form.onSubmit(async (values) => {
    setGeneral([]);
    setSaved(false);
    try {
      // An empty threshold is sent as null: that clears it (omitting it would keep the old one).
      const approvalThreshold = values.approvalThreshold === '' ? null : Number(values.approvalThreshold);
      const { updateTeam } = await update.mutateAsync({ input: { teamId: team.id, name: values.name.trim(), approvalThreshold } });
      if (updateTeam.userErrors.length) {
        const split = splitUserErrors(updateTeam.userErrors, ['name', 'approvalThreshold']);
        form.setErrors(split.fields);
        return setGeneral(split.general);
      }
      const next = { name: updateTeam.team!.name, approvalThreshold: updateTeam.team!.approvalThreshold ?? '' };
      form.setInitialValues(next);
      form.setValues(next);
      form.resetDirty(next);
      setSaved(true);
    } catch (err) {
      setGeneral([err instanceof Error ? err.message : String(err)]);
    }
  });
  return (
    <Section title="General">
      <Paper withBorder p="md">
        <form onSubmit={submit} noValidate aria-label="General settings">
          <Stack gap="sm">
            <TextInput label="Team name" required={editable} readOnly={!editable} maw={480} {...form.getInputProps('name')} />
            <NumberInput
              label="Approval threshold (subjects)"
              description="Cohorts with more subjects than this wait for an admin's approval before they are queued. Leave empty so no cohort needs approval."
              placeholder="No approval needed"
              allowDecimal={false}
              readOnly={!editable}
              hideControls={!editable}
              maw={480}
              {...form.getInputProps('approvalThreshold')}
            />
            <Text size="sm" c="dimmed" data-testid="threshold-summary">
              Now: {thresholdSummary(team.approvalThreshold)}
            </Text>
            {general.length > 0 && (
              <Alert color="red" role="alert">
                {general.join(' ')}
              </Alert>
            )}
            {editable ? (
              <Group gap="sm">
                <Button type="submit" loading={update.isPending}>
                  Save
                </Button>
                <Button variant="default" disabled={!form.isDirty()} onClick={() => form.reset()}>
                  Discard changes
                </Button>
                {saved && (
                  <Text size="sm" c="teal" role="status">
                    Saved.
                  </Text>
                )}
              </Group>
            ) : (
              <Text size="sm" c="dimmed" data-testid="settings-read-only">
                Only owners and admins can change these settings; your role is {team.viewerRole ? roleLabel(team.viewerRole) : 'unknown'}.
              </Text>
            )}
          </Stack>
        </form>
      </Paper>
    </Section>
  );
}

function WebhooksSection({ teamId, role }: { teamId: string; role: Role | null }) {
  const allowed = can.manageWebhooks(role);
  // Viewers and members may not list webhooks: do not ask. Poll while a delivery is still pending.
  const q = useGql(
    WebhooksDocument,
    { teamId, deliveries: DELIVERY_LIMIT },
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
          Your role in this team is {role ? roleLabel(role) : 'unknown'}; owners and admins can create webhooks and read their delivery log.
        </EmptyState>
      </Section>
    );

  async function onRemove() {
    if (!removing) return;
    setRowError(null);
    setRowError(await rowActionError(async () => (await remove.mutateAsync({ webhookId: removing.id })).deleteWebhook));
    setRemoving(null);
  }

  return (
    <Section title="Webhooks">
      <Text size="sm" c="dimmed">
        Slicewise POSTs a JSON body to each active webhook when an event it subscribes to happens, signed with its secret, and retries with backoff until the endpoint answers 2xx.
      </Text>
      <CreateWebhookForm teamId={teamId} />
      {rowError && (
        <Alert color="red" role="alert" withCloseButton onClose={() => setRowError(null)}>
          {rowError}
        </Alert>
      )}
      {q.isPending ? (
        <LoadingState label="Loading webhooks…" />
      ) : q.error ? (
        <ErrorState error={q.error} onRetry={() => void q.refetch()} />
      ) : q.data!.webhooks.length === 0 ? (
        <EmptyState title="No webhooks yet">Create a webhook to have your pipeline notified when a cohort completes or a dataset version is published.</EmptyState>
      ) : (
        <Table.ScrollContainer minWidth={720}>
          <Table verticalSpacing="sm" data-testid="webhooks-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>URL</Table.Th>
                <Table.Th>Events</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th>
                  <span className="sr-only">Actions</span>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {q.data!.webhooks.map((w) => {
                const open = expanded[w.id] ?? false;
                const logId = `deliveries-${w.id}`;
                return (
                  <Fragment key={w.id}>
                    <Table.Tr data-testid="webhook-row" data-webhook-url={w.url}>
                      <Table.Td style={{ wordBreak: 'break-all' }}>{w.url}</Table.Td>
                      <Table.Td>
                        <Group gap={4}>
                          {w.events.map((e) => (
                            <Badge key={e} size="sm" variant="light" tt="none">
                              {e}
                            </Badge>
                          ))}
                        </Group>
                      </Table.Td>
                      <Table.Td data-testid="webhook-status">{w.active ? <Badge color="teal">active</Badge> : <Badge color="gray">removed</Badge>}</Table.Td>
                      <Table.Td>{formatDate(w.createdAt)}</Table.Td>
                      <Table.Td ta="right">
                        <Group gap={4} justify="flex-end" wrap="nowrap">
                          <Button size="xs" variant="subtle" aria-expanded={open} aria-controls={logId} onClick={() => setExpanded((x) => ({ ...x, [w.id]: !open }))}>
                            {open ? 'Hide' : 'Show'} deliveries ({w.deliveries.length}
                            {w.deliveries.length >= DELIVERY_LIMIT ? '+' : ''})
                          </Button>
                          {w.active && (
                            <Button size="xs" variant="subtle" color="red" onClick={() => setRemoving({ id: w.id, url: w.url })}>
                              Remove
                            </Button>
                          )}
                        </Group>
                      </Table.Td>
                    </Table.Tr>
                    {open && (
                      <Table.Tr id={logId}>
                        <Table.Td colSpan={5} bg="var(--mantine-color-gray-0)">
                          <DeliveryLog webhook={w} />
                        </Table.Td>
                      </Table.Tr>
                    )}
                  </Fragment>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <ConfirmModal opened={removing !== null} title="Remove webhook" confirmLabel="Remove" loading={remove.isPending} onConfirm={() => void onRemove()} onClose={() => setRemoving(null)}>
        Slicewise stops sending events to {removing?.url}. Its delivery log is kept. This cannot be undone.
      </ConfirmModal>
    </Section>
  );
}

const DELIVERY_COLOUR: Record<string, string> = { DELIVERED: 'teal', PENDING: 'yellow', FAILED: 'red' };

function DeliveryLog({ webhook }: { webhook: Webhook }) {
  if (webhook.deliveries.length === 0)
    return (
      <Text size="sm" c="dimmed" data-testid="webhook-deliveries">
        No deliveries yet. Each event this webhook subscribes to will be listed here with its status and the endpoint&apos;s answer.
      </Text>
    );
  return (
    <Stack gap={4}>
      <Table verticalSpacing={4} fz="sm" data-testid="webhook-deliveries" aria-label={`Recent deliveries to ${webhook.url}`}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Event</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Attempts</Table.Th>
            <Table.Th>Response</Table.Th>
            <Table.Th>Last error</Table.Th>
            <Table.Th>Created</Table.Th>
            <Table.Th>Delivered</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {webhook.deliveries.map((d) => (
            <Table.Tr key={d.id} data-testid="delivery-row">
              <Table.Td>{d.event}</Table.Td>
              <Table.Td>
                <Badge size="sm" color={DELIVERY_COLOUR[d.status] ?? 'gray'}>
                  {d.status.toLowerCase()}
                </Badge>
              </Table.Td>
              <Table.Td>{d.attempts}</Table.Td>
              <Table.Td>{d.responseCode ?? '—'}</Table.Td>
              <Table.Td style={{ wordBreak: 'break-word' }}>{d.lastError ?? '—'}</Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDate(d.createdAt)}</Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDate(d.deliveredAt)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {webhook.deliveries.length >= DELIVERY_LIMIT && (
        <Text size="xs" c="dimmed">
          The latest {DELIVERY_LIMIT} deliveries.
        </Text>
      )}
    </Stack>
  );
}

/** The API names list elements by index (["events", "0"]): put those errors on the list's field. */
const withoutIndices = (errors: readonly UserErrorLike[]) => errors.map((e) => ({ ...e, field: e.field.filter((p) => !/^\d+$/.test(p)) }));

function CreateWebhookForm({ teamId }: { teamId: string }) {
  const create = useGqlMutation(CreateWebhookDocument);
  const [general, setGeneral] = useState<string[]>([]);
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  const form = useForm({
    initialValues: { url: '', events: WEBHOOK_EVENTS.map((e) => e.value) },
    validateInputOnChange: true,
    validate: { url: httpUrlError, events: (e: string[]) => (e.length ? null : 'Choose at least one event') },
  });
  const submit = form.onSubmit(async (values) => {
    setGeneral([]);
    try {
      const { createWebhook } = await create.mutateAsync({ input: { teamId, url: values.url.trim(), events: values.events } });
      if (createWebhook.userErrors.length) {
        const split = splitUserErrors(withoutIndices(createWebhook.userErrors), ['url', 'events']);
        form.setErrors(split.fields);
        return setGeneral(split.general);
      }
      setSecret({ url: createWebhook.webhook!.url, secret: createWebhook.secret! });
      form.reset();
    } catch (err) {
      setGeneral([err instanceof Error ? err.message : String(err)]);
    }
  });
  return (
    <Paper withBorder p="md">
      <Title order={3} size="h5" mb="xs">
        Create a webhook
      </Title>
      <form onSubmit={submit} noValidate aria-label="Create a webhook">
        <Stack gap="sm">
          <TextInput label="Endpoint URL" type="url" placeholder="https://ci.example.org/hooks/slicewise" {...form.getInputProps('url')} />
          <Checkbox.Group label="Events" description="What the endpoint is notified of." {...form.getInputProps('events')}>
            <Stack gap={6} mt={6}>
              {WEBHOOK_EVENTS.map((e) => (
                <Checkbox key={e.value} value={e.value} label={`${e.value} — ${e.help}`} />
              ))}
            </Stack>
          </Checkbox.Group>
          {general.length > 0 && (
            <Alert color="red" role="alert">
              {general.join(' ')}
            </Alert>
          )}
          <div>
            <Button type="submit" loading={create.isPending}>
              Create webhook
            </Button>
          </div>
        </Stack>
      </form>
      <SecretOnceModal secret={secret?.secret ?? null} title="Webhook created" testId="webhook-secret" onClose={() => setSecret(null)}>
        It is shown once. Every delivery to {secret?.url} carries x-slicewise-signature = sha256=HMAC-SHA256(secret, &quot;&lt;x-slicewise-timestamp&gt;.&lt;body&gt;&quot;): verify it with
        this secret. If you lose it, remove the webhook and create another.
      </SecretOnceModal>
    </Paper>
  );
}
