'use client';
// A project's dataset versions (immutable, content-addressed sets of volumes) and publishing one
// from completed cohorts.
import { useState } from 'react';
import { Alert, Anchor, Badge, Button, Card, Checkbox, Code, Group, Modal, Stack, Switch, Text, TextInput } from '@mantine/core';
import { ProjectDatasetsDocument, PublishDatasetVersionDocument } from '@/generated/gql/graphql';
import { useGql, useGqlMutation } from '@/lib/hooks';
import { splitUserErrors } from '@/lib/graphql-client';
import { formatDate } from './page-header';
import { EmptyState, ErrorState, LoadingState } from './states';

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
  const versions = q.data!.project.datasetVersions.edges.map((e) => e.node);
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
              <Group justify="space-between" wrap="nowrap">
                <Text fw={600} truncate>
                  {v.dataset}
                </Text>
                <Group gap={4}>
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
  const publish = useGqlMutation(PublishDatasetVersionDocument);
  const [selected, setSelected] = useState<string[]>([]);
  const [dataset, setDataset] = useState('main');
  const [tags, setTags] = useState('latest');
  const [onlyAccepted, setOnlyAccepted] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string[]>([]);
  const [done, setDone] = useState<string | null>(null);
  const tagList = tags.split(',').map((t) => t.trim()).filter(Boolean);
  const badTag = tagList.find((t) => !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(t));

  async function submit() {
    setGeneral([]);
    setErrors({});
    setDone(null);
    try {
      const { publishDatasetVersion: r } = await publish.mutateAsync({ input: { projectId, cohortIds: selected, dataset: dataset.trim() || null, tags: tagList, onlyAccepted } });
      if (r.userErrors.length) {
        const split = splitUserErrors(r.userErrors, ['cohortIds', 'dataset', 'tags', 'onlyAccepted']);
        setErrors(split.fields);
        return setGeneral(split.general);
      }
      setDone(r.created ? `Published ${r.datasetVersion?.dataset} with ${r.datasetVersion?.volumeCount} volumes.` : 'This exact content was already published: the existing version was returned (tags moved).');
    } catch (e) {
      setGeneral([e instanceof Error ? e.message : String(e)]);
    }
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
          <TextInput label="Dataset" value={dataset} onChange={(e) => setDataset(e.currentTarget.value)} error={errors.dataset} />
          <TextInput label="Tags (comma separated)" value={tags} onChange={(e) => setTags(e.currentTarget.value)} error={badTag ? `"${badTag}": letters, digits, . _ - (max 64)` : errors.tags} />
        </Group>
        <Switch label="Only volumes accepted in review" checked={onlyAccepted} onChange={(e) => setOnlyAccepted(e.currentTarget.checked)} />
        {general.length > 0 && (
          <Alert color="red" role="alert">
            {general.join(' ')}
          </Alert>
        )}
        {done && (
          <Text c="teal" role="status">
            {done}
          </Text>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Close
          </Button>
          <Button onClick={() => void submit()} disabled={!selected.length || !!badTag} loading={publish.isPending}>
            Publish
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
