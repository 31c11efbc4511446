'use client';
import { useEffect, useState } from 'react';
import Link from 'next/link';
import { useParams } from 'next/navigation';
import { Alert, Anchor, Badge, Button, Code, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { AddDistributionVersionDocument, DistributionDocument, ModelsDocument, ProjectDocument, type DistributionQuery } from '@/generated/gql/graphql';
import { useGql } from '@/lib/hooks';
import { specPathInMessage, useMutationForm } from '@/lib/use-mutation-form';
import { FormErrors } from '@/components/form-errors';
import { DataTable, type Column } from '@/components/data-table';
import { can, TeamAction } from '@/lib/permissions';
import type { Spec } from '@/lib/spec';
import { formatDate, PageHeader } from '@/components/page-header';
import { EmptyState, QueryGate } from '@/components/states';
import { DistributionEditor } from '@/components/distribution-editor';
import { ModelPicker } from '@/components/model-picker';
import { CohortRequestModal } from '@/components/cohort-request';
import { useReportTeam } from '@/components/current-team';
import { preselectModel } from '@/lib/qc';

type Version = DistributionQuery['distribution']['versions']['edges'][number]['node'];

const versionColumns = (latestId: string | undefined): Column<Version>[] => [
  {
    key: 'version',
    header: 'Version',
    cell: (v) => (
      <>
        v{v.version} {v.id === latestId && <Badge size="xs">latest</Badge>}
      </>
    ),
  },
  { key: 'hash', header: 'Spec hash', cell: (v) => <Code>{v.specHash.slice(0, 16)}</Code> },
  { key: 'model', header: 'Model', cell: (v) => (v.model ? `${v.model.name} ${v.model.version}` : '—') },
  { key: 'by', header: 'By', cell: (v) => v.createdBy?.name ?? '—' },
  { key: 'created', header: 'Created', cell: (v) => formatDate(v.createdAt) },
  { key: 'cohorts', header: 'Cohorts', cell: (v) => v.usedByCohorts },
];

export default function DistributionPage() {
  const params = useParams<{ projectId: string; distributionId: string }>();
  const projectId = decodeURIComponent(params.projectId);
  const distributionId = decodeURIComponent(params.distributionId);
  const project = useGql(ProjectDocument, { id: projectId });
  const dist = useGql(DistributionDocument, { id: distributionId });
  const models = useGql(ModelsDocument, {});
  useReportTeam(project.data?.project.team?.id);
  const [spec, setSpec] = useState<Spec | null>(null);
  const [modelId, setModelId] = useState<string | null>(null);
  const [requesting, setRequesting] = useState(false);
  // Discarding edits remounts the editor so its JSON box shows the saved spec again.
  const [editorKey, setEditorKey] = useState(0);
  const [saved, setSaved] = useState<string | null>(null);
  const [jsonError, setJsonError] = useState<string | null>(null);
  const addVersion = useMutationForm(AddDistributionVersionDocument, { payload: (r) => r.addDistributionVersion, mapErrors: specPathInMessage });
  const latest = dist.data?.distribution.latestVersion ?? null;

  useEffect(() => {
    if (latest && !spec) setSpec(latest.spec as Spec);
  }, [latest, spec]);
  // The model the latest version was saved with (kept by the API), else the default; never a test fixture.
  useEffect(() => {
    if (models.data && latest && !modelId) setModelId(preselectModel(models.data.models, latest.model?.id)?.id ?? null);
  }, [models.data, latest, modelId]);

  // Another model than the saved one is an edit too: saving keeps it with the new version.
  const modelChanged = !!latest && !!modelId && latest.model?.id !== modelId;
  const dirty = !!latest && !!spec && (JSON.stringify(spec) !== JSON.stringify(latest.spec) || modelChanged);

  async function saveVersion() {
    if (!spec || !modelId) return;
    // Never save the last valid spec in place of JSON that does not parse.
    if (jsonError) return addVersion.setGeneral([`The spec (JSON) has an error: ${jsonError}`]);
    setSaved(null);
    const r = await addVersion.run({ input: { distributionId, modelId, spec } });
    if (!r) return;
    setSaved(`Saved as version ${r.version?.version}`);
    setSpec(null); // reload from the new latest version (saved with the model chosen now)
  }

  return (
    <QueryGate isPending={project.isPending || dist.isPending || models.isPending} error={project.error ?? dist.error ?? models.error} refetch={() => void dist.refetch()} what="distribution">
      {() => {
        const p = project.data!.project;
        const d = dist.data!.distribution;
        const model = models.data!.models.find((m) => m.id === modelId) ?? null;
        const editable = can(p.team?.viewerPermissions, TeamAction.DistributionWrite);
        const mayRequest = can(p.team?.viewerPermissions, TeamAction.CohortRequest);
        return (
          <>
            <Text size="sm" mb={4}>
              <Anchor component={Link} href={`/projects/${encodeURIComponent(p.id)}`}>
                {p.name}
              </Anchor>{' '}
              / distribution
            </Text>
            <PageHeader
              title={<span data-testid="distribution-name">{d.name}</span>}
              subtitle={
                <>
                  {latest ? `Version ${latest.version} · ${formatDate(latest.createdAt)}` : 'No version'}
                  {latest && <Code ml="xs">{latest.specHash.slice(0, 12)}</Code>}
                </>
              }
              actions={
                mayRequest && latest ? (
                  <Button onClick={() => setRequesting(true)} disabled={dirty || !!jsonError} title={dirty || jsonError ? 'Save or discard your edits first' : undefined} data-testid="request-cohort">
                    Request cohort
                  </Button>
                ) : null
              }
            />
            {d.description && <Text mb="md">{d.description}</Text>}
            {!models.data!.models.length ? (
              <EmptyState title="No model is registered">The preview needs a model.</EmptyState>
            ) : (
              <Stack>
                {modelId && <ModelPicker models={models.data!.models} value={modelId} onChange={setModelId} />}
                {model && spec && <DistributionEditor key={`${model.id}:${latest?.id}:${editorKey}`} model={model} spec={spec} onChange={setSpec} onJsonError={setJsonError} readOnly={!editable} />}
                <FormErrors errors={addVersion.general} title="Not saved" />
                {saved && (
                  <Text c="teal" role="status">
                    {saved}
                  </Text>
                )}
                {jsonError && (
                  <Alert color="red" role="alert" title="The JSON spec does not parse" data-testid="json-error-alert">
                    Nothing was applied from it and nothing can be saved until it is fixed (or the edits are discarded). The preview still shows the last spec that parsed.
                  </Alert>
                )}
                {editable && (
                  <Group>
                    <Button onClick={() => void saveVersion()} disabled={!dirty || !!jsonError} loading={addVersion.pending} data-testid="save-version">
                      Save as new version
                    </Button>
                    <Button variant="default" disabled={!dirty && !jsonError} onClick={() => (setSpec(latest!.spec as Spec), setModelId(null), setJsonError(null), setEditorKey((k) => k + 1))}>
                      Discard edits
                    </Button>
                  </Group>
                )}
              </Stack>
            )}
            <Paper mt="xl">
              <Title order={2} size="h4" mb="xs">
                Versions
              </Title>
              <DataTable columns={versionColumns(latest?.id)} rows={d.versions.edges.map((e) => e.node)} rowKey={(v) => v.id} testId="versions-table" minWidth={520} />
            </Paper>
            {latest && (
              <CohortRequestModal opened={requesting} onClose={() => setRequesting(false)} projectId={p.id} versions={d.versions.edges.map((e) => e.node)} versionId={latest.id} versionLabel={d.name} models={models.data!.models} modelId={latest.model?.id ?? null} />
            )}
          </>
        );
      }}
    </QueryGate>
  );
}
