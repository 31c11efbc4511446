'use client';
import { useState } from 'react';
import { useParams } from 'next/navigation';
import { Alert, Badge, Button, Group, Paper, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { AddMemberDocument, ChangeMemberRoleDocument, RemoveMemberDocument, TeamMembersDocument, type Role } from '@/generated/gql/graphql';
import { useGql, useGqlMutation } from '@/lib/hooks';
import { rowActionError, splitUserErrors } from '@/lib/graphql-client';
import { can, ROLE_ORDER, roleLabel } from '@/lib/roles';
import { emailError } from '@/lib/validators';
import { formatDate, PageHeader } from '@/components/page-header';
import { QueryGate } from '@/components/states';
import { ConfirmModal } from '@/components/confirm';
import { useReportTeam } from '@/components/current-team';

const roleOptions = ROLE_ORDER.map((r) => ({ value: r, label: roleLabel(r) }));

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
        const admin = can.manageMembers(team.viewerRole);
        const members = team.members.edges.map((e) => e.node);
        return (
          <>
            <PageHeader title="Members" subtitle={`${team.name} · ${members.length} member${members.length === 1 ? '' : 's'}`} />
            {admin && <AddMemberForm teamId={team.id} />}
            {rowError && (
              <Alert color="red" role="alert" mb="md" withCloseButton onClose={() => setRowError(null)}>
                {rowError}
              </Alert>
            )}
            <Table.ScrollContainer minWidth={560}>
              <Table verticalSpacing="sm" data-testid="members-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Name</Table.Th>
                    <Table.Th>Email</Table.Th>
                    <Table.Th>Role</Table.Th>
                    <Table.Th>Since</Table.Th>
                    <Table.Th>
                      <span className="sr-only">Actions</span>
                    </Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {members.map((m) => {
                    const self = m.user?.id === me;
                    return (
                      <Table.Tr key={m.id}>
                        <Table.Td>
                          {m.user?.name}
                          {self && (
                            <Badge ml="xs" size="xs" variant="outline">
                              you
                            </Badge>
                          )}
                        </Table.Td>
                        <Table.Td>{m.user?.email}</Table.Td>
                        <Table.Td>
                          {admin ? (
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
                          )}
                        </Table.Td>
                        <Table.Td>{formatDate(m.createdAt)}</Table.Td>
                        <Table.Td ta="right">
                          {(admin || self) && (
                            <Button size="xs" variant="subtle" color="red" onClick={() => setRemoving({ id: m.id, name: m.user?.name ?? 'this member', self })}>
                              {self ? 'Leave' : 'Remove'}
                            </Button>
                          )}
                        </Table.Td>
                      </Table.Tr>
                    );
                  })}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
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
  const add = useGqlMutation(AddMemberDocument);
  const [general, setGeneral] = useState<string[]>([]);
  const [added, setAdded] = useState<string | null>(null);
  const form = useForm({
    initialValues: { email: '', role: 'MEMBER' as Role },
    validateInputOnChange: ['email'],
    validate: { email: emailError },
  });
  const submit = form.onSubmit(async (values) => {
    setGeneral([]);
    setAdded(null);
    try {
      const { addMember } = await add.mutateAsync({ input: { teamId, ...values } });
      if (addMember.userErrors.length) {
        const split = splitUserErrors(addMember.userErrors, ['email', 'role']);
        form.setErrors(split.fields);
        return setGeneral(split.general);
      }
      setAdded(values.email);
      form.reset();
    } catch (err) {
      setGeneral([err instanceof Error ? err.message : String(err)]);
    }
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
            <Button type="submit" mt={25} loading={add.isPending}>
              Add
            </Button>
          </Group>
          {general.length > 0 && <Alert color="red" role="alert">{general.join(' ')}</Alert>}
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
