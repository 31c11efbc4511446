'use client';
import { useState } from 'react';
import Link from 'next/link';
import { useParams, useRouter } from 'next/navigation';
import { Alert, Anchor, Button, Card, Code, Group, Modal, SimpleGrid, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { CohortsAwaitingApprovalDocument, CreateProjectDocument, TeamProjectsDocument } from '@/generated/gql/graphql';
import { useGql } from '@/lib/hooks';
import { useMutationForm } from '@/lib/use-mutation-form';
import { can, TeamAction } from '@/lib/permissions';
import { maxLength, nameError } from '@/lib/validators';
import { formatDate, PageHeader } from '@/components/page-header';
import { EmptyState, QueryGate } from '@/components/states';
import { useReportTeam } from '@/components/current-team';
import { FormErrors } from '@/components/form-errors';

export default function TeamProjectsPage() {
  const teamId = decodeURIComponent(useParams<{ teamId: string }>().teamId);
  const q = useGql(TeamProjectsDocument, { teamId });
  useReportTeam(q.data?.team.id);
  const [open, setOpen] = useState(false);
  const admin = can(q.data?.team.viewerPermissions, TeamAction.CohortApprove);
  const approvals = useGql(CohortsAwaitingApprovalDocument, { teamId }, { enabled: admin });
  return (
    <QueryGate isPending={q.isPending} error={q.error} refetch={() => void q.refetch()} what="team">
      {() => {
        const team = q.data!.team;
        const projects = team.projects.edges.map((e) => e.node);
        const createButton = can(team.viewerPermissions, TeamAction.ProjectCreate) ? (
          <Button onClick={() => setOpen(true)} data-testid="create-project">
            New project
          </Button>
        ) : null;
        return (
          <>
            <PageHeader
              title="Projects"
              subtitle={
                <>
                  {team.name} <Code data-testid="team-slug">{team.slug}</Code>
                </>
              }
              actions={createButton}
            />
            {admin && (approvals.data?.cohortsAwaitingApproval.length ?? 0) > 0 && (
              <Alert color="yellow" title="Cohorts waiting for your approval" mb="lg" data-testid="approvals">
                <Stack gap={4}>
                  {approvals.data!.cohortsAwaitingApproval.map((c) => (
                    <Text size="sm" key={c.id}>
                      <Anchor component={Link} href={`/cohorts/${encodeURIComponent(c.id)}`}>
                        {c.name}
                      </Anchor>{' '}
                      — {c.size} subjects, requested by {c.requestedBy?.name ?? '—'} {formatDate(c.createdAt)}
                    </Text>
                  ))}
                </Stack>
              </Alert>
            )}
            {projects.length === 0 ? (
              <EmptyState title="No projects yet" action={createButton}>
                A project holds condition distributions, the cohorts generated from them and their dataset versions.
                {!createButton && ' Members can create projects; you have view access.'}
              </EmptyState>
            ) : (
              <SimpleGrid cols={{ base: 1, sm: 2 }}>
                {projects.map((p) => (
                  <Card key={p.id} withBorder component={Link} href={`/projects/${encodeURIComponent(p.id)}`} padding="lg" data-testid="project-card">
                    <Group justify="space-between" wrap="nowrap" gap="xs">
                      <Text fw={600} truncate>
                        {p.name}
                      </Text>
                      <Code data-testid="project-slug" style={{ flexShrink: 0 }}>
                        {p.slug}
                      </Code>
                    </Group>
                    <Text size="sm" c="dimmed" lineClamp={2}>
                      {p.description || 'No description'}
                    </Text>
                    <Text size="xs" c="dimmed" mt="xs">
                      Created {formatDate(p.createdAt)}
                    </Text>
                  </Card>
                ))}
              </SimpleGrid>
            )}
            {team.projects.pageInfo.hasNextPage && (
              <Text size="sm" c="dimmed" mt="sm">
                Showing the first 100 projects.
              </Text>
            )}
            <CreateProjectModal teamId={team.id} opened={open} onClose={() => setOpen(false)} />
          </>
        );
      }}
    </QueryGate>
  );
}

function CreateProjectModal({ teamId, opened, onClose }: { teamId: string; opened: boolean; onClose: () => void }) {
  const router = useRouter();
  const form = useForm({
    initialValues: { name: '', description: '' },
    validateInputOnChange: true,
    validate: { name: nameError('Project name'), description: maxLength('Description', 2000) },
  });
  const create = useMutationForm(CreateProjectDocument, { payload: (r) => r.createProject, fields: ['name', 'description'], onFieldErrors: form.setErrors });
  const submit = form.onSubmit(async (values) => {
    const r = await create.run({ input: { teamId, ...values } });
    if (!r) return;
    form.reset();
    onClose();
    router.push(`/projects/${encodeURIComponent(r.project!.id)}`);
  });
  return (
    <Modal opened={opened} onClose={onClose} title="New project">
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput label="Project name" data-autofocus required {...form.getInputProps('name')} />
          <Textarea label="Description" autosize minRows={2} {...form.getInputProps('description')} />
          <FormErrors errors={create.general} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.pending}>
              Create project
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
