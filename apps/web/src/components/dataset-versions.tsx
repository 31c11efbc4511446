'use client';
// A project's dataset versions (immutable, content-addressed sets of volumes), each linking to its page,
// and publishing one from completed cohorts. Volumes that failed quality control are left out unless the
// publisher gives a waiver (why they belong in the dataset: audited, and written into the manifest and the
// Croissant RAI fields by the API).
import { useState } from 'react';
import Link from 'next/link';
import { Alert, Anchor, Badge, Button, Card, Checkbox, Code, Group, Modal, Stack, Switch, Text, Textarea, TextInput } from '@mantine/core';
import { ProjectDatasetsDocument, PublishDatasetVersionDocument } from '@/generated/gql/graphql';
import { useGql } from '@/lib/hooks';
import { useMutationForm } from '@/lib/use-mutation-form';
import { FormErrors } from './form-errors';
import { formatDate } from './page-header';
import { EmptyState, ErrorState, LoadingState } from './states';

export const datasetVersionHref = (projectId: string, versionId: string) => `/projects/${encodeURIComponent(projectId)}/datasets/${encodeURIComponent(versionId)}`;

type PublishableCohort = { id: string; name: string; qcFailed: number };
/** Least waiver length the API accepts (dataset.service.ts). */
const WAIVER_MIN = 10;

export function DatasetVersions({ projectId, completedCohorts, canPublish }: { projectId: string; completedCohorts: PublishableCohort[]; canPublish: boolean }) {
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

function PublishModal({ opened, onClose, projectId, cohorts }: { opened: boolean; onClose: () => void; projectId: string; cohorts: PublishableCohort[] }) {
  const [selected, setSelected] = useState<string[]>([]);
  const [dataset, setDataset] = useState('main');
  const [tags, setTags] = useState('latest');
  const [onlyAccepted, setOnlyAccepted] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [done, setDone] = useState<string | null>(null);
  const [waive, setWaive] = useState(false);
  const [waiver, setWaiver] = useState('');
  const publish = useMutationForm(PublishDatasetVersionDocument, { payload: (r) => r.publishDatasetVersion, fields: ['cohortIds', 'dataset', 'tags', 'onlyAccepted', 'qcWaiver'], onFieldErrors: setErrors });
  // QC-failed volumes among the selected cohorts (before the accepted-only filter, which may leave out more)
  const qcFailed = cohorts.filter((c) => selected.includes(c.id)).reduce((n, c) => n + c.qcFailed, 0);
  const waiving = waive && qcFailed > 0;
  const waiverErr = waiving && waiver.trim().length < WAIVER_MIN ? `Say why the volumes that failed quality control belong in this dataset (at least ${WAIVER_MIN} characters)` : null;
  const tagList = tags.split(',').map((t) => t.trim()).filter(Boolean);
  const badTag = tagList.find((t) => !/^[a-z0-9][a-z0-9._-]{0,62}$/.test(t));

  async function submit() {
    setErrors({});
    setDone(null);
    if (waiverErr) return;
    const r = await publish.run({ input: { projectId, cohortIds: selected, dataset: dataset.trim() || null, tags: tagList, onlyAccepted, ...(waiving ? { qcWaiver: waiver.trim() } : {}) } });
    if (!r) return;
    const leftOut = r.qcFailedLeftOut ? ` ${r.qcFailedLeftOut} volume${r.qcFailedLeftOut === 1 ? '' : 's'} that failed quality control ${r.qcFailedLeftOut === 1 ? 'was' : 'were'} left out.` : '';
    setDone(
      (r.created ? `Published ${r.datasetVersion?.dataset} with ${r.datasetVersion?.volumeCount} volumes.` : 'This exact content was already published: the existing version was returned (tags moved).') +
        leftOut +
        (waiving ? ' QC-failed volumes included under your waiver (recorded in the audit log and the manifest).' : ''),
    );
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
        {qcFailed > 0 && (
          <Alert color="orange" variant="light" data-testid="qc-left-out" data-count={qcFailed} title="Volumes that failed quality control">
            <Stack gap="xs">
              <Text size="sm">
                {qcFailed} selected volume{qcFailed === 1 ? '' : 's'} failed quality control on every try and will be left out
                {waiving ? ', unless you include them under the waiver below' : ''}.
              </Text>
              <Switch label="Include them anyway, with a waiver" checked={waive} onChange={(e) => setWaive(e.currentTarget.checked)} data-testid="qc-waive" />
              {waive && (
                <Textarea
                  label="Waiver: why they belong in this dataset"
                  description="Recorded in the audit log, the manifest and the Croissant responsible-AI fields."
                  value={waiver}
                  onChange={(e) => setWaiver(e.currentTarget.value)}
                  error={waiverErr ?? errors.qcWaiver}
                  autosize
                  minRows={2}
                  data-testid="qc-waiver"
                />
              )}
            </Stack>
          </Alert>
        )}
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
          <Button onClick={() => void submit()} disabled={!selected.length || !!badTag || !!waiverErr} loading={publish.pending} data-testid="publish-submit">
            Publish
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
