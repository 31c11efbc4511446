'use client';
import { useState } from 'react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { Badge, Button, Card, Group, Modal, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { CreateTeamDocument, ViewerDocument } from '@/generated/gql/graphql';
import { useGql } from '@/lib/hooks';
import { useMutationForm } from '@/lib/use-mutation-form';
import { roleLabel } from '@/lib/permissions';
import { nameError } from '@/lib/validators';
import { PageHeader } from '@/components/page-header';
import { EmptyState, QueryGate } from '@/components/states';
import { FormErrors } from '@/components/form-errors';

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
  const form = useForm({ initialValues: { name: '' }, validateInputOnChange: true, validate: { name: nameError('Team name') } });
  const create = useMutationForm(CreateTeamDocument, { payload: (r) => r.createTeam, fields: ['name'], onFieldErrors: form.setErrors });
  const submit = form.onSubmit(async (values) => {
    const r = await create.run({ input: values });
    if (!r) return;
    form.reset();
    onClose();
    router.push(`/teams/${encodeURIComponent(r.team!.id)}`);
  });
  return (
    <Modal opened={opened} onClose={onClose} title="New team">
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput label="Team name" data-autofocus required {...form.getInputProps('name')} />
          <FormErrors errors={create.general} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.pending}>
              Create team
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
