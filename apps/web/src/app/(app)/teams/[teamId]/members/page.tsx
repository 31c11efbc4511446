'use client';
import { useState } from 'react';
import { useParams } from 'next/navigation';
import { Alert, Badge, Button, Group, Paper, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { AddMemberDocument, ChangeMemberRoleDocument, RemoveMemberDocument, TeamMembersDocument, type Role, type TeamMembersQuery } from '@/generated/gql/graphql';
import { useGql, useGqlMutation } from '@/lib/hooks';
import { rowActionError } from '@/lib/errors';
import { useMutationForm } from '@/lib/use-mutation-form';
import { can, roleLabel, roleOptions, TeamAction } from '@/lib/permissions';
import { emailError } from '@/lib/validators';
import { formatDate, PageHeader } from '@/components/page-header';
import { QueryGate } from '@/components/states';
import { ConfirmModal } from '@/components/confirm';
import { useReportTeam } from '@/components/current-team';
import { DataTable, type Column } from '@/components/data-table';
import { FormErrors } from '@/components/form-errors';
import { Invitations } from '@/components/invitations';

type Member = TeamMembersQuery['team']['members']['edges'][number]['node'];

export default function MembersPage() {
  const teamId = decodeURIComponent(useParams<{ teamId: string }>().teamId);
  const q = useGql(TeamMembersDocument, { teamId });
  useReportTeam(q.data?.team.id);
  const changeRole = useGqlMutation(ChangeMemberRoleDocument);
  const remove = useGqlMutation(RemoveMemberDocument);
  const [rowError, setRowError] = useState<string | null>(null);
  const [removing, setRemoving] = useState<{ id: string; name: string; self: boolean } | null>(null);

  async function onRoleChange(membershipId: string, role: Role) {
    setRowError(null);
    setRowError(await rowActionError(async () => (await changeRole.mutateAsync({ membershipId, role })).changeMemberRole));
  }
  async function onRemove() {
    if (!removing) return;
    setRowError(null);
    setRowError(await rowActionError(async () => (await remove.mutateAsync({ membershipId: removing.id })).removeMember));
    setRemoving(null);
  }

  return (
    <QueryGate isPending={q.isPending} error={q.error} refetch={() => void q.refetch()} what="team">
      {() => {
        const team = q.data!.team;
        const me = q.data!.viewer?.id;
        const admin = can(team.viewerPermissions, TeamAction.MemberAdd);
        const members = team.members.edges.map((e) => e.node);
        const columns: Column<Member>[] = [
          {
            key: 'name',
            header: 'Name',
            cell: (m) => (
              <>
                {m.user?.name}
                {m.user?.id === me && (
                  <Badge ml="xs" size="xs" variant="outline">
                    you
                  </Badge>
                )}
              </>
            ),
          },
          { key: 'email', header: 'Email', cell: (m) => m.user?.email },
          {
            key: 'role',
            header: 'Role',
            cell: (m) =>
              can(team.viewerPermissions, TeamAction.MemberChangeRole) ? (
                <Select
                  aria-label={`Role of ${m.user?.name ?? 'member'}`}
                  data={roleOptions}
                  value={m.role}
                  allowDeselect={false}
                  onChange={(r) => r && r !== m.role && void onRoleChange(m.id, r as Role)}
                  w={130}
                  size="xs"
                />
              ) : (
                <Badge variant="light">{roleLabel(m.role)}</Badge>
              ),
          },
          { key: 'since', header: 'Since', cell: (m) => formatDate(m.createdAt) },
          {
            key: 'actions',
            header: 'Actions',
            srOnlyHeader: true,
            align: 'right',
            cell: (m) => {
              const self = m.user?.id === me;
              return (admin || self) && (
                <Button size="xs" variant="subtle" color="red" onClick={() => setRemoving({ id: m.id, name: m.user?.name ?? 'this member', self })}>
                  {self ? 'Leave' : 'Remove'}
                </Button>
              );
            },
          },
        ];
        return (
          <>
            <PageHeader title="Members" subtitle={`${team.name} · ${members.length} member${members.length === 1 ? '' : 's'}`} />
            {admin && <AddMemberForm teamId={team.id} />}
            {admin && <Invitations teamId={team.id} canInviteOwners={team.viewerRole === 'OWNER'} />}
            {rowError && (
              <Alert color="red" role="alert" mb="md" withCloseButton onClose={() => setRowError(null)}>
                {rowError}
              </Alert>
            )}
            <DataTable columns={columns} rows={members} rowKey={(m) => m.id} testId="members-table" minWidth={560} />
            <ConfirmModal
              opened={removing !== null}
              title={removing?.self ? 'Leave team' : 'Remove member'}
              confirmLabel={removing?.self ? 'Leave' : 'Remove'}
              loading={remove.isPending}
              onConfirm={() => void onRemove()}
              onClose={() => setRemoving(null)}
            >
              {removing?.self ? `You will lose access to ${team.name} and its projects.` : `${removing?.name} will lose access to ${team.name} and its projects.`}
            </ConfirmModal>
          </>
        );
      }}
    </QueryGate>
  );
}

function AddMemberForm({ teamId }: { teamId: string }) {
  const [added, setAdded] = useState<string | null>(null);
  const form = useForm({
    initialValues: { email: '', role: 'MEMBER' as Role },
    validateInputOnChange: ['email'],
    validate: { email: emailError },
  });
  const add = useMutationForm(AddMemberDocument, { payload: (r) => r.addMember, fields: ['email', 'role'], onFieldErrors: form.setErrors });
  const submit = form.onSubmit(async (values) => {
    setAdded(null);
    if (!(await add.run({ input: { teamId, ...values } }))) return;
    setAdded(values.email);
    form.reset();
  });
  return (
    <Paper withBorder p="md" mb="lg">
      <Title order={2} size="h5" mb="xs">
        Add a member
      </Title>
      <form onSubmit={submit} noValidate aria-label="Add a member">
        <Stack gap="xs">
          <Group align="flex-start" gap="sm" wrap="wrap">
            <TextInput label="Email of an existing account" type="email" style={{ flex: 1, minWidth: 220 }} {...form.getInputProps('email')} />
            <Select label="Role" data={roleOptions} allowDeselect={false} w={140} {...form.getInputProps('role')} />
            <Button type="submit" mt={25} loading={add.pending}>
              Add
            </Button>
          </Group>
          <FormErrors errors={add.general} />
          {added && (
            <Text size="sm" c="teal" role="status">
              Added {added}.
            </Text>
          )}
        </Stack>
      </form>
    </Paper>
  );
}
