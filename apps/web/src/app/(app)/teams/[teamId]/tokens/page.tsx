'use client';
import { useState } from 'react';
import { useParams } from 'next/navigation';
import { Alert, Badge, Button, Checkbox, Code, Group, Paper, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { ApiTokensDocument, CreateApiTokenDocument, RevokeApiTokenDocument, TeamProjectsDocument, TokenScope, type ApiTokensQuery } from '@/generated/gql/graphql';
import { useGql, useGqlMutation } from '@/lib/hooks';
import { ApiError } from '@/lib/graphql-client';
import { rowActionError } from '@/lib/errors';
import { useMutationForm } from '@/lib/use-mutation-form';
import { can, roleLabel, TeamAction } from '@/lib/permissions';
import { nameError } from '@/lib/validators';
import { formatDate, PageHeader } from '@/components/page-header';
import { EmptyState, ErrorState, LoadingState, NotFoundState } from '@/components/states';
import { ConfirmModal } from '@/components/confirm';
import { SecretOnceModal } from '@/components/secret-once';
import { useReportTeam } from '@/components/current-team';
import { DataTable, type Column } from '@/components/data-table';
import { FormErrors } from '@/components/form-errors';

type Token = ApiTokensQuery['apiTokens']['edges'][number]['node'];

const SCOPE_HELP: Record<TokenScope, string> = {
  READ: 'Read teams, projects and cohorts',
  GENERATE: 'Also create projects and request cohorts',
  ADMIN: 'Also administer the team (audit log, tokens)',
};

export default function TokensPage() {
  const teamId = decodeURIComponent(useParams<{ teamId: string }>().teamId);
  // The team (and your role) first: viewers may not list tokens, so do not ask.
  const teamQ = useGql(TeamProjectsDocument, { teamId });
  useReportTeam(teamQ.data?.team.id);
  const role = teamQ.data?.team.viewerRole;
  const allowed = can(teamQ.data?.team.viewerPermissions, TeamAction.TokenList);
  const q = useGql(ApiTokensDocument, { teamId }, { enabled: allowed });
  const revoke = useGqlMutation(RevokeApiTokenDocument);
  const [revoking, setRevoking] = useState<{ id: string; name: string } | null>(null);
  const [rowError, setRowError] = useState<string | null>(null);

  if (teamQ.isPending) return <LoadingState label="Loading team…" />;
  if (teamQ.error instanceof ApiError && teamQ.error.code === 'NOT_FOUND') return <NotFoundState what="team" />;
  if (teamQ.error) return <ErrorState error={teamQ.error} onRetry={() => void teamQ.refetch()} />;
  const team = teamQ.data!.team;

  async function onRevoke() {
    if (!revoking) return;
    setRowError(null);
    setRowError(await rowActionError(async () => (await revoke.mutateAsync({ tokenId: revoking.id })).revokeApiToken));
    setRevoking(null);
  }

  return (
    <>
      <PageHeader title="API tokens" subtitle={`${team.name} · send as "Authorization: Bearer <secret>"`} />
      {!allowed ? (
        <EmptyState title="API tokens are for members">Your role in this team is {role ? roleLabel(role) : 'unknown'}; members, admins and owners can create and list tokens.</EmptyState>
      ) : (
        <>
          <CreateTokenForm teamId={team.id} allowedScopes={q.data?.team.viewerTokenScopes ?? [TokenScope.Read]} />
          {rowError && (
            <Alert color="red" role="alert" mb="md" withCloseButton onClose={() => setRowError(null)}>
              {rowError}
            </Alert>
          )}
          {q.isPending ? (
            <LoadingState label="Loading tokens…" />
          ) : q.error ? (
            <ErrorState error={q.error} onRetry={() => void q.refetch()} />
          ) : q.data!.apiTokens.edges.length === 0 ? (
            <EmptyState title="No tokens yet">Create a token to call the API from scripts and notebooks.</EmptyState>
          ) : (
            <TokensTable tokens={q.data!.apiTokens.edges.map((e) => e.node)} viewerId={q.data!.viewer?.id} mayRevokeAny={can(q.data!.team.viewerPermissions, TeamAction.MemberAdd)} onRevoke={setRevoking} />
          )}
        </>
      )}
      <ConfirmModal opened={revoking !== null} title="Revoke token" confirmLabel="Revoke" loading={revoke.isPending} onConfirm={() => void onRevoke()} onClose={() => setRevoking(null)}>
        Scripts using “{revoking?.name}” will get 401 Unauthenticated from now on. This cannot be undone.
      </ConfirmModal>
    </>
  );
}

const EXPIRY = [
  { value: '30', label: '30 days' },
  { value: '90', label: '90 days' },
  { value: '365', label: '1 year' },
  { value: 'never', label: 'Never' },
];

function CreateTokenForm({ teamId, allowedScopes }: { teamId: string; allowedScopes: readonly TokenScope[] }) {
  const [secret, setSecret] = useState<{ name: string; secret: string } | null>(null);
  const form = useForm({
    initialValues: { name: '', scopes: ['READ'] as string[], expiry: '90' },
    validateInputOnChange: true,
    validate: { name: nameError('Token name'), scopes: (s: string[]) => (s.length ? null : 'Choose at least one scope') },
  });
  const create = useMutationForm(CreateApiTokenDocument, {
    payload: (r) => r.createApiToken,
    fields: ['name', 'scopes', 'expiresAt'],
    onFieldErrors: (f) => form.setErrors({ ...f, ...(f.expiresAt ? { expiry: f.expiresAt } : {}) }),
  });
  const submit = form.onSubmit(async (values) => {
    const expiresAt = values.expiry === 'never' ? null : new Date(Date.now() + Number(values.expiry) * 86_400_000).toISOString();
    const r = await create.run({ input: { teamId, name: values.name, scopes: values.scopes as TokenScope[], expiresAt } });
    if (!r) return;
    setSecret({ name: values.name, secret: r.secret! });
    form.reset();
  });
  return (
    <Paper withBorder p="md" mb="lg">
      <Title order={2} size="h5" mb="xs">
        Create a token
      </Title>
      <form onSubmit={submit} noValidate aria-label="Create a token">
        <Stack gap="sm">
          <Group align="flex-start" gap="sm" wrap="wrap">
            <TextInput label="Name" placeholder="e.g. training notebook" style={{ flex: 1, minWidth: 220 }} {...form.getInputProps('name')} />
            <Select label="Expires after" data={EXPIRY} allowDeselect={false} w={160} {...form.getInputProps('expiry')} />
          </Group>
          <Checkbox.Group label="Scopes" description="A token can never do more than your role allows." {...form.getInputProps('scopes')}>
            <Stack gap={6} mt={6}>
              {(Object.keys(SCOPE_HELP) as TokenScope[]).map((s) => (
                <Checkbox key={s} value={s} label={`${s} — ${SCOPE_HELP[s]}`} disabled={!allowedScopes.includes(s)} />
              ))}
            </Stack>
          </Checkbox.Group>
          <FormErrors errors={create.general} />
          <div>
            <Button type="submit" loading={create.pending}>
              Create token
            </Button>
          </div>
        </Stack>
      </form>
      <SecretOnceModal secret={secret?.secret ?? null} title={`Token “${secret?.name}” created`} testId="token-secret" onClose={() => setSecret(null)}>
        It is shown once. Slicewise stores only a hash of it; if you lose it, revoke the token and create another.
      </SecretOnceModal>
    </Paper>
  );
}

function TokensTable({ tokens, viewerId, mayRevokeAny, onRevoke }: { tokens: Token[]; viewerId: string | undefined; mayRevokeAny: boolean; onRevoke: (t: { id: string; name: string }) => void }) {
  const columns: Column<Token>[] = [
    {
      key: 'name',
      header: 'Name',
      cell: (t) => (
        <>
          {t.name}
          <Text size="xs" c="dimmed">
            by {t.createdBy?.name ?? 'a former member'}
          </Text>
        </>
      ),
    },
    { key: 'prefix', header: 'Prefix', cell: (t) => <Code>{t.prefix}…</Code> },
    {
      key: 'scopes',
      header: 'Scopes',
      cell: (t) => (
        <Group gap={4}>
          {t.scopes.map((s) => (
            <Badge key={s} size="sm" variant="light">
              {s}
            </Badge>
          ))}
        </Group>
      ),
    },
    { key: 'created', header: 'Created', cell: (t) => formatDate(t.createdAt) },
    { key: 'used', header: 'Last used', cell: (t) => (t.lastUsedAt ? formatDate(t.lastUsedAt) : 'never') },
    {
      key: 'status',
      header: 'Status',
      cell: (t) => {
        const expired = t.expiresAt != null && new Date(t.expiresAt) < new Date();
        return (
          <span data-testid="token-status">
            {t.revokedAt ? (
              <Badge color="gray">revoked</Badge>
            ) : expired ? (
              <Badge color="orange">expired</Badge>
            ) : (
              <Badge color="teal">active{t.expiresAt ? ` until ${new Date(t.expiresAt).toLocaleDateString()}` : ''}</Badge>
            )}
          </span>
        );
      },
    },
    {
      key: 'actions',
      header: 'Actions',
      srOnlyHeader: true,
      align: 'right',
      cell: (t) =>
        !t.revokedAt && (mayRevokeAny || t.createdBy?.id === viewerId) ? (
          <Button size="xs" variant="subtle" color="red" onClick={() => onRevoke({ id: t.id, name: t.name })}>
            Revoke
          </Button>
        ) : null,
    },
  ];
  return <DataTable columns={columns} rows={tokens} rowKey={(t) => t.id} rowProps={(t) => ({ 'data-testid': 'token-row', 'data-token-name': t.name })} testId="tokens-table" minWidth={720} />;
}
