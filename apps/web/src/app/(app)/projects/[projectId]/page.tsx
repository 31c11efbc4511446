'use client';
import { useState, type ReactNode } from 'react';
import Link from 'next/link';
import { useParams } from 'next/navigation';
import { Anchor, Badge, Button, Card, Code, Group, Modal, Paper, Progress, SimpleGrid, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { ProjectOverviewDocument, UpdateProjectDocument } from '@/generated/gql/graphql';
import { useGql } from '@/lib/hooks';
import { useMutationForm } from '@/lib/use-mutation-form';
import { can, roleLabel, TeamAction } from '@/lib/permissions';
import { maxLength, nameError } from '@/lib/validators';
import { formatDate, PageHeader } from '@/components/page-header';
import { EmptyState, QueryGate } from '@/components/states';
import { CohortStatusBadge } from '@/components/cohort-status';
import { DatasetVersions } from '@/components/dataset-versions';
import { useReportTeam } from '@/components/current-team';
import { FormErrors } from '@/components/form-errors';

export default function ProjectPage() {
  const projectId = decodeURIComponent(useParams<{ projectId: string }>().projectId);
  const q = useGql(ProjectOverviewDocument, { id: projectId });
  useReportTeam(q.data?.project.team?.id);
  const [editing, setEditing] = useState(false);
  return (
    <QueryGate isPending={q.isPending} error={q.error} refetch={() => void q.refetch()} what="project">
      {() => {
        const p = q.data!.project;
        const role = p.team?.viewerRole;
        const perms = p.team?.viewerPermissions;
        return (
          <>
            <Text size="sm" mb={4}>
              <Anchor component={Link} href={`/teams/${encodeURIComponent(p.team?.id ?? '')}`}>
                {p.team?.name}
              </Anchor>{' '}
              <Code>{p.team?.slug}</Code> / project
            </Text>
            <PageHeader
              title={<span data-testid="project-name">{p.name}</span>}
              subtitle={
                <>
                  <Code data-testid="project-slug" title="The project's slug: the CLI and download paths use it">
                    {p.slug}
                  </Code>{' '}
                  · created {formatDate(p.createdAt)}
                  {p.archivedAt && (
                    <Badge ml="xs" color="gray">
                      archived
                    </Badge>
                  )}
                  {role && (
                    <Badge ml="xs" variant="light">
                      you: {roleLabel(role)}
                    </Badge>
                  )}
                </>
              }
              actions={
                can(perms, TeamAction.ProjectUpdate) && !p.archivedAt ? (
                  <Button variant="default" onClick={() => setEditing(true)} data-testid="edit-project">
                    Edit
                  </Button>
                ) : null
              }
            />
            <Text mb="xl" style={{ whiteSpace: 'pre-wrap' }} c={p.description ? undefined : 'dimmed'} data-testid="project-description">
              {p.description || 'No description.'}
            </Text>
            <SimpleGrid cols={{ base: 1, md: 3 }}>
              <Section
                title="Condition distributions"
                action={
                  can(perms, TeamAction.DistributionWrite) ? (
                    <Button size="xs" component={Link} href={`/projects/${encodeURIComponent(p.id)}/distributions/new`} data-testid="new-distribution">
                      New distribution
                    </Button>
                  ) : null
                }
              >
                {p.distributions.edges.length === 0 ? (
                  <EmptyState title="No distributions yet">A distribution says which tumours to generate: volume, shape and position, each as a distribution in physical units.</EmptyState>
                ) : (
                  p.distributions.edges.map(({ node: d }) => (
                    <Card key={d.id} withBorder component={Link} href={`/projects/${encodeURIComponent(p.id)}/distributions/${encodeURIComponent(d.id)}`} data-testid="distribution-card">
                      <Group justify="space-between" wrap="nowrap">
                        <Text fw={600} truncate>
                          {d.name}
                        </Text>
                        {d.latestVersion && <Badge variant="light">v{d.latestVersion.version}</Badge>}
                      </Group>
                      <Text size="xs" c="dimmed">
                        {d.latestVersion?.usedByCohorts ?? 0} cohort(s) · updated {formatDate(d.latestVersion?.createdAt ?? d.createdAt)}
                      </Text>
                    </Card>
                  ))
                )}
              </Section>
              <Section title="Cohorts">
                {p.cohorts.edges.length === 0 ? (
                  <EmptyState title="No cohorts yet">Open a distribution and request a cohort: N subjects, each an MRI volume with its tumour mask.</EmptyState>
                ) : (
                  p.cohorts.edges.map(({ node: c }) => (
                    <Card key={c.id} withBorder component={Link} href={`/cohorts/${encodeURIComponent(c.id)}`} data-testid="cohort-card">
                      <Group justify="space-between" wrap="nowrap">
                        <Text fw={600} truncate>
                          {c.name}
                        </Text>
                        <CohortStatusBadge status={c.status} />
                      </Group>
                      <Progress value={c.progress.total ? (100 * c.progress.done) / c.progress.total : 0} size="sm" mt="xs" aria-label={`${c.progress.done} of ${c.progress.total} volumes done`} />
                      <Text size="xs" c="dimmed" mt={4}>
                        {c.progress.done}/{c.size} done{c.progress.qcFailed ? `, ${c.progress.qcFailed} QC failed` : ''}{c.progress.failed ? `, ${c.progress.failed} failed` : ''} · {formatDate(c.createdAt)}
                      </Text>
                    </Card>
                  ))
                )}
              </Section>
              <Section title="Dataset versions">
                <DatasetVersions
                  projectId={p.id}
                  canPublish={can(perms, TeamAction.DatasetPublish)}
                  completedCohorts={p.cohorts.edges
                    .map((e) => e.node)
                    .filter((c) => c.status === 'COMPLETED')
                    .map((c) => ({ id: c.id, name: c.name, qcFailed: c.progress.qcFailed }))}
                />
              </Section>
            </SimpleGrid>
            <EditProjectModal project={p} opened={editing} onClose={() => setEditing(false)} />
          </>
        );
      }}
    </QueryGate>
  );
}

function Section({ title, action, children }: { title: string; action?: ReactNode; children: ReactNode }) {
  return (
    <Paper component="section" aria-label={title} p={0}>
      <Stack gap="xs">
        <Group justify="space-between">
          <Title order={2} size="h4">
            {title}
          </Title>
          {action}
        </Group>
        {children}
      </Stack>
    </Paper>
  );
}

function EditProjectModal({ project, opened, onClose }: { project: { id: string; name: string; description: string }; opened: boolean; onClose: () => void }) {
  const form = useForm({
    initialValues: { name: project.name, description: project.description },
    validateInputOnChange: true,
    validate: { name: nameError('Project name'), description: maxLength('Description', 2000) },
  });
  const update = useMutationForm(UpdateProjectDocument, { payload: (r) => r.updateProject, fields: ['name', 'description'], onFieldErrors: form.setErrors });
  const submit = form.onSubmit(async (values) => {
    if (await update.run({ input: { projectId: project.id, ...values } })) onClose();
  });
  return (
    <Modal opened={opened} onClose={onClose} title="Edit project">
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput label="Project name" required {...form.getInputProps('name')} />
          <Textarea label="Description" autosize minRows={3} {...form.getInputProps('description')} />
          <FormErrors errors={update.general} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={update.pending}>
              Save
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
