'use client';
// A project's dataset versions (immutable, content-addressed sets of volumes), each linking to its page,
// and publishing one from completed cohorts.
import { useState } from 'react';
import Link from 'next/link';
import { Anchor, Badge, Button, Card, Checkbox, Code, Group, Modal, Stack, Switch, Text, TextInput } from '@mantine/core';
import { ProjectDatasetsDocument, PublishDatasetVersionDocument } from '@/generated/gql/graphql';
import { useGql } from '@/lib/hooks';
import { useMutationForm } from '@/lib/use-mutation-form';
import { FormErrors } from './form-errors';
import { formatDate } from './page-header';
import { EmptyState, ErrorState, LoadingState } from './states';

export const datasetVersionHref = (projectId: string, versionId: string) => `/projects/${encodeURIComponent(projectId)}/datasets/${encodeURIComponent(versionId)}`;

export function DatasetVersions({ projectId, completedCohorts, canPublish }: { projectId: string; completedCohorts: { id: string; name: string }[]; canPublish: boolean }) {
  const q = useGql(ProjectDatasetsDocument, { projectId });
  const [open, setOpen] = useState(false);
  const publishButton =
    canPublish && completedCohorts.length > 0 ? (
      <Button size="xs" onClick={() => setOpen(true)} data-testid="publish-dataset">
        Publish
      </Button>
    ) : null;
  if (q.isPending) return <LoadingState label="Loading dataset versions…" rows={1} />;
  if (q.error) return <ErrorState error={q.error} onRetry={() => void q.refetch()} />;
  const project = q.data!.project;
  const versions = project.datasetVersions.edges.map((e) => e.node);
  return (
    <Stack gap="xs">
      {versions.length === 0 ? (
        <EmptyState title="No dataset versions yet" action={publishButton}>
          Publish completed cohorts (optionally only accepted volumes) as an immutable, content-addressed version with a manifest and an export archive.
        </EmptyState>
      ) : (
        <>
          {publishButton && <Group justify="flex-end">{publishButton}</Group>}
          {versions.map((v) => (
            <Card withBorder key={v.id} data-testid="dataset-card">
              <Group justify="space-between" wrap="nowrap" gap="xs">
                <Anchor component={Link} href={datasetVersionHref(projectId, v.id)} fw={600} truncate data-testid="dataset-link">
                  {project.slug}/{v.dataset}@{v.manifestHash.slice(0, 8)}
                </Anchor>
                <Group gap={4} wrap="wrap" justify="flex-end">
                  {v.tags.map((t) => (
                    <Badge key={t} size="xs" variant="light" tt="none">
                      {t}
                    </Badge>
                  ))}
                </Group>
              </Group>
              <Text size="xs" c="dimmed">
                {v.volumeCount} volumes · <Code>{v.manifestHash.slice(0, 12)}</Code> · {formatDate(v.createdAt)}
              </Text>
              <Group gap="sm" mt={4}>
                <Anchor href={v.manifestUrl} size="xs" target="_blank" rel="noreferrer">
                  Manifest
                </Anchor>
                <Anchor href={v.exportUrl} size="xs" download>
                  Export (.tar)
                </Anchor>
              </Group>
            </Card>
          ))}
        </>
      )}
      <PublishModal opened={open} onClose={() => setOpen(false)} projectId={projectId} cohorts={completedCohorts} />
    </Stack>
  );
}

function PublishModal({ opened, onClose, projectId, cohorts }: { opened: boolean; onClose: () => void; projectId: string; cohorts: { id: string; name: string }[] }) {
  const [selected, setSelected] = useState<string[]>([]);
  const [dataset, setDataset] = useState('main');
  const [tags, setTags] = useState('latest');
  const [onlyAccepted, setOnlyAccepted] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [done, setDone] = useState<string | null>(null);
  const publish = useMutationForm(PublishDatasetVersionDocument, { payload: (r) => r.publishDatasetVersion, fields: ['cohortIds', 'dataset', 'tags', 'onlyAccepted'], onFieldErrors: setErrors });
  const tagList = tags.split(',').map((t) => t.trim()).filter(Boolean);
  const badTag = tagList.find((t) => !/^[a-z0-9][a-z0-9._-]{0,62}$/.test(t));

  async function submit() {
    setErrors({});
    setDone(null);
    const r = await publish.run({ input: { projectId, cohortIds: selected, dataset: dataset.trim() || null, tags: tagList, onlyAccepted } });
    if (!r) return;
    setDone(r.created ? `Published ${r.datasetVersion?.dataset} with ${r.datasetVersion?.volumeCount} volumes.` : 'This exact content was already published: the existing version was returned (tags moved).');
  }

  return (
    <Modal opened={opened} onClose={onClose} title="Publish a dataset version" size="lg">
      <Stack>
        <Checkbox.Group label="Completed cohorts" value={selected} onChange={setSelected} error={errors.cohortIds}>
          <Stack gap={6} mt={6}>
            {cohorts.map((c) => (
              <Checkbox key={c.id} value={c.id} label={c.name} />
            ))}
          </Stack>
        </Checkbox.Group>
        <Group grow align="flex-start">
          <TextInput label="Dataset" description="Lowercase letters, digits, . _ -" value={dataset} onChange={(e) => setDataset(e.currentTarget.value)} error={errors.dataset} />
          <TextInput label="Tags (comma separated)" value={tags} onChange={(e) => setTags(e.currentTarget.value)} error={badTag ? `"${badTag}": lowercase letters, digits, . _ - (at most 63)` : errors.tags} />
        </Group>
        <Switch label="Only volumes accepted in review" checked={onlyAccepted} onChange={(e) => setOnlyAccepted(e.currentTarget.checked)} />
        <FormErrors errors={publish.general} />
        {done && (
          <Text c="teal" role="status">
            {done}
          </Text>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Close
          </Button>
          <Button onClick={() => void submit()} disabled={!selected.length || !!badTag} loading={publish.pending}>
            Publish
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
