'use client';
// Invitations (owners and admins): create a link for a role (expiring, single use), copy it once, see
// which links are pending, used, expired or revoked, and revoke a pending one. No email is sent: people
// share the link however they talk to each other.
import { useState } from 'react';
import { Alert, Badge, Button, Group, Paper, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { CreateInvitationDocument, RevokeInvitationDocument, TeamInvitationsDocument, type InvitationState, type Role, type TeamInvitationsQuery } from '@/generated/gql/graphql';
import { useGql, useGqlMutation } from '@/lib/hooks';
import { rowActionError } from '@/lib/errors';
import { useMutationForm } from '@/lib/use-mutation-form';
import { roleLabel, roleOptions } from '@/lib/permissions';
import { ConfirmModal } from './confirm';
import { DataTable, type Column } from './data-table';
import { FormErrors } from './form-errors';
import { formatDate } from './page-header';
import { SecretOnceModal } from './secret-once';
import { ErrorState, LoadingState } from './states';

type Invitation = NonNullable<TeamInvitationsQuery['team']['invitations']>[number];

const EXPIRY = [
  { value: '24', label: '1 day' },
  { value: '168', label: '7 days' },
  { value: '720', label: '30 days' },
];
const STATE_COLOUR: Record<InvitationState, string> = { PENDING: 'blue', ACCEPTED: 'teal', EXPIRED: 'gray', REVOKED: 'red' };

export function invitationLink(origin: string, secret: string): string {
  return `${origin}/invite/${encodeURIComponent(secret)}`;
}

export function Invitations({ teamId, canInviteOwners }: { teamId: string; canInviteOwners: boolean }) {
  const q = useGql(TeamInvitationsDocument, { teamId });
  const revoke = useGqlMutation(RevokeInvitationDocument);
  const [revoking, setRevoking] = useState<Invitation | null>(null);
  const [rowError, setRowError] = useState<string | null>(null);
  const [link, setLink] = useState<{ url: string; role: Role; expiresAt: string } | null>(null);
  const form = useForm({ initialValues: { role: 'MEMBER' as Role, expiresInHours: '168', note: '' }, validate: { note: (n: string) => (n.length > 200 ? `At most 200 characters (${n.length} now)` : null) } });
  const create = useMutationForm(CreateInvitationDocument, { payload: (r) => r.createInvitation, fields: ['role', 'expiresInHours', 'note'], onFieldErrors: form.setErrors });
  const submit = form.onSubmit(async (v) => {
    const r = await create.run({ input: { teamId, role: v.role, expiresInHours: Number(v.expiresInHours), note: v.note.trim() || null } });
    if (!r) return;
    setLink({ url: invitationLink(window.location.origin, r.secret!), role: r.invitation!.role, expiresAt: r.invitation!.expiresAt });
    form.reset();
  });

  async function onRevoke() {
    if (!revoking) return;
    setRowError(await rowActionError(async () => (await revoke.mutateAsync({ invitationId: revoking.id })).revokeInvitation));
    setRevoking(null);
  }

  const columns: Column<Invitation>[] = [
    { key: 'role', header: 'Role', cell: (i) => <Badge variant="light">{roleLabel(i.role)}</Badge> },
    {
      key: 'state',
      header: 'State',
      cell: (i) => (
        <Badge color={STATE_COLOUR[i.state]} data-testid="invitation-state" style={{ minWidth: 'max-content' }}>
          {i.state.toLowerCase()}
        </Badge>
      ),
    },
    { key: 'note', header: 'Note', cell: (i) => i.note || <Text span c="dimmed">—</Text> },
    { key: 'by', header: 'Created', cell: (i) => `${formatDate(i.createdAt)} by ${i.createdBy?.name ?? '—'}`, nowrap: true },
    {
      key: 'outcome',
      header: 'Expires / used',
      nowrap: true,
      cell: (i) => (i.acceptedAt ? `joined ${formatDate(i.acceptedAt)}: ${i.acceptedBy?.name ?? '—'}` : i.revokedAt ? `revoked ${formatDate(i.revokedAt)}` : formatDate(i.expiresAt)),
    },
    {
      key: 'actions',
      header: 'Actions',
      srOnlyHeader: true,
      align: 'right',
      cell: (i) =>
        i.state === 'PENDING' && (i.role !== 'OWNER' || canInviteOwners) ? (
          <Button size="xs" variant="subtle" color="red" onClick={() => setRevoking(i)}>
            Revoke
          </Button>
        ) : null,
    },
  ];

  return (
    <Paper withBorder p="md" mb="lg" component="section" aria-label="Invitations">
      <Title order={2} size="h5" mb={4}>
        Invite with a link
      </Title>
      <Text size="sm" c="dimmed" mb="xs">
        Whoever opens the link signs in (or creates an account) and joins with the role you choose. Each link works once, until it expires; you can revoke it before then.
      </Text>
      <form onSubmit={submit} noValidate aria-label="Create an invitation">
        <Stack gap="xs">
          <Group align="flex-start" gap="sm" wrap="wrap">
            <Select label="Role" data={canInviteOwners ? roleOptions : roleOptions.filter((o) => o.value !== 'OWNER')} allowDeselect={false} w={140} {...form.getInputProps('role')} />
            <Select label="Expires after" data={EXPIRY} allowDeselect={false} w={140} {...form.getInputProps('expiresInHours')} />
            <TextInput label="Note for admins (optional)" placeholder="e.g. for Dana, MRI physics" style={{ flex: 1, minWidth: 200 }} {...form.getInputProps('note')} />
            <Button type="submit" mt={25} loading={create.pending}>
              Create link
            </Button>
          </Group>
          <FormErrors errors={create.general} />
        </Stack>
      </form>
      {rowError && (
        <Alert color="red" role="alert" mt="sm" withCloseButton onClose={() => setRowError(null)}>
          {rowError}
        </Alert>
      )}
      <Stack mt="sm" gap="xs">
        {q.isPending ? (
          <LoadingState label="Loading invitations…" rows={1} />
        ) : q.error ? (
          <ErrorState error={q.error} onRetry={() => void q.refetch()} />
        ) : (
          <DataTable
            columns={columns}
            rows={q.data!.team.invitations ?? []}
            rowKey={(i) => i.id}
            rowProps={(i) => ({ 'data-testid': 'invitation-row', 'data-state': i.state })}
            testId="invitations-table"
            minWidth={640}
            verticalSpacing="xs"
            empty={
              <Text size="sm" c="dimmed">
                No invitations yet.
              </Text>
            }
          />
        )}
      </Stack>
      <SecretOnceModal secret={link?.url ?? null} title="Invitation link created" testId="invitation-link" onClose={() => setLink(null)} copyLabel="Copy link">
        Send this link to the person you invite. It makes them a {link ? roleLabel(link.role).toLowerCase() : ''} and works once, until {link ? formatDate(link.expiresAt) : ''}. It is shown only now; if it gets lost, revoke it and create another.
      </SecretOnceModal>
      <ConfirmModal opened={revoking !== null} title="Revoke invitation" confirmLabel="Revoke" loading={revoke.isPending} onConfirm={() => void onRevoke()} onClose={() => setRevoking(null)}>
        The link will stop working at once; whoever has it will see that it was revoked. This cannot be undone.
      </ConfirmModal>
    </Paper>
  );
}
