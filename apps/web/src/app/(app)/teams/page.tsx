'use client';
import { useState } from 'react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { Alert, Badge, Button, Card, Group, Modal, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { CreateTeamDocument, ViewerDocument } from '@/generated/gql/graphql';
import { useGql, useGqlMutation } from '@/lib/hooks';
import { splitUserErrors } from '@/lib/graphql-client';
import { roleLabel } from '@/lib/roles';
import { nameError } from '@/lib/validators';
import { PageHeader } from '@/components/page-header';
import { EmptyState, QueryGate } from '@/components/states';

export default function TeamsPage() {
  const viewer = useGql(ViewerDocument, {});
  const [open, setOpen] = useState(false);
  const createButton = (
    <Button onClick={() => setOpen(true)} data-testid="create-team">
      New team
    </Button>
  );
  return (
    <>
      <PageHeader title="Your teams" subtitle="Teams own projects, API tokens and the audit log." actions={createButton} />
      <QueryGate isPending={viewer.isPending} error={viewer.error} refetch={() => void viewer.refetch()} what="teams">
        {() => {
          const teams = viewer.data!.teams.edges.map((e) => e.node);
          if (!teams.length)
            return (
              <EmptyState title="You are not in a team yet" action={createButton}>
                Create a team to start a project, or ask a team admin to add you by your email address.
              </EmptyState>
            );
          return (
            <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }}>
              {teams.map((t) => (
                <Card key={t.id} withBorder component={Link} href={`/teams/${encodeURIComponent(t.id)}`} padding="lg">
                  <Group justify="space-between" wrap="nowrap">
                    <Text fw={600} truncate>
                      {t.name}
                    </Text>
                    {t.viewerRole && <Badge variant="light">{roleLabel(t.viewerRole)}</Badge>}
                  </Group>
                  <Text size="xs" c="dimmed" className="mono">
                    {t.slug}
                  </Text>
                </Card>
              ))}
            </SimpleGrid>
          );
        }}
      </QueryGate>
      <CreateTeamModal opened={open} onClose={() => setOpen(false)} />
    </>
  );
}

function CreateTeamModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const router = useRouter();
  const create = useGqlMutation(CreateTeamDocument);
  const [general, setGeneral] = useState<string[]>([]);
  const form = useForm({ initialValues: { name: '' }, validateInputOnChange: true, validate: { name: nameError('Team name') } });
  const submit = form.onSubmit(async (values) => {
    setGeneral([]);
    try {
      const { createTeam } = await create.mutateAsync({ input: values });
      if (createTeam.userErrors.length) {
        const split = splitUserErrors(createTeam.userErrors, ['name']);
        form.setErrors(split.fields);
        return setGeneral(split.general);
      }
      form.reset();
      onClose();
      router.push(`/teams/${encodeURIComponent(createTeam.team!.id)}`);
    } catch (err) {
      setGeneral([err instanceof Error ? err.message : String(err)]);
    }
  });
  return (
    <Modal opened={opened} onClose={onClose} title="New team">
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput label="Team name" data-autofocus required {...form.getInputProps('name')} />
          {general.length > 0 && <Alert color="red" role="alert">{general.join(' ')}</Alert>}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Create team
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
