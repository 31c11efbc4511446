'use client';
import { useEffect, useState } from 'react';
import Link from 'next/link';
import { useParams, useRouter } from 'next/navigation';
import { Alert, Anchor, Button, Group, SegmentedControl, Stack, Text, TextInput } from '@mantine/core';
import { CreateDistributionDocument, ModelsDocument, ProjectDocument } from '@/generated/gql/graphql';
import { useGql } from '@/lib/hooks';
import { specPathInMessage, useMutationForm } from '@/lib/use-mutation-form';
import { FormErrors } from '@/components/form-errors';
import { defaultSpec, rangesOf, type Spec } from '@/lib/spec';
import { nameError } from '@/lib/validators';
import { PageHeader } from '@/components/page-header';
import { EmptyState, QueryGate } from '@/components/states';
import { DistributionEditor } from '@/components/distribution-editor';
import { ModelPicker } from '@/components/model-picker';
import { EmpiricalBuilder } from '@/components/empirical-builder';
import { useReportTeam } from '@/components/current-team';
import { preselectModel } from '@/lib/qc';

export default function NewDistributionPage() {
  const projectId = decodeURIComponent(useParams<{ projectId: string }>().projectId);
  const router = useRouter();
  const project = useGql(ProjectDocument, { id: projectId });
  const models = useGql(ModelsDocument, {});
  useReportTeam(project.data?.project.team?.id);
  const [modelId, setModelId] = useState<string | null>(null);
  const [spec, setSpec] = useState<Spec | null>(null);
  const [name, setName] = useState('');
  const [nameErr, setNameErr] = useState<string | null>(null);
  const [mode, setMode] = useState<'parametric' | 'empirical'>('parametric');
  const [jsonError, setJsonError] = useState<string | null>(null);
  const create = useMutationForm(CreateDistributionDocument, {
    payload: (r) => r.createDistribution,
    fields: ['name'],
    onFieldErrors: (f) => setNameErr(f.name ?? null),
    mapErrors: specPathInMessage,
  });
  const model = models.data?.models.find((m) => m.id === modelId) ?? null;

  useEffect(() => {
    // the default model (never a test fixture), as the picker offers it
    const first = models.data ? preselectModel(models.data.models) : null;
    if (first && !modelId) {
      setModelId(first.id);
      setSpec(defaultSpec(rangesOf(first.conditioning as Record<string, unknown>)));
    }
  }, [models.data, modelId]);

  async function save() {
    const err = nameError('Name')(name);
    setNameErr(err);
    if (err || !spec || !modelId) return;
    // Never save the last valid spec in place of JSON that does not parse.
    if (jsonError) return create.setGeneral([`The spec (JSON) has an error: ${jsonError}`]);
    const r = await create.run({ input: { projectId, modelId, name, spec: { ...spec, name } } });
    if (r) router.push(`/projects/${encodeURIComponent(projectId)}/distributions/${encodeURIComponent(r.distribution!.id)}`);
  }

  return (
    <QueryGate isPending={project.isPending || models.isPending} error={project.error ?? models.error} refetch={() => void project.refetch()} what="project">
      {() => {
        const p = project.data!.project;
        if (!preselectModel(models.data!.models))
          return <EmptyState title="No model is registered">Distributions are validated against a model. Put a model folder under models/ and restart the API.</EmptyState>;
        return (
          <>
            <Text size="sm" mb={4}>
              <Anchor component={Link} href={`/projects/${encodeURIComponent(p.id)}`}>
                {p.name}
              </Anchor>{' '}
              / new distribution
            </Text>
            <PageHeader title="New condition distribution" subtitle="Edit on the left; the preview on the right is sampled by the API as you type." />
            <SegmentedControl
              mb="md"
              aria-label="Kind of distribution"
              value={mode}
              onChange={(v) => setMode(v as 'parametric' | 'empirical')}
              data={[
                { value: 'parametric', label: 'Parametric' },
                { value: 'empirical', label: 'From reference masks' },
              ]}
            />
            {mode === 'empirical' && modelId ? (
              <Stack>
                <ModelPicker models={models.data!.models} value={modelId} onChange={setModelId} />
                <EmpiricalBuilder key={modelId} projectId={p.id} modelId={modelId} model={models.data!.models.find((m) => m.id === modelId)} />
              </Stack>
            ) : (
            <Stack gap="md">
                <Group align="flex-start" gap="md" wrap="wrap">
                  <TextInput
                    label="Name"
                    required
                    value={name}
                    onChange={(e) => {
                      setName(e.currentTarget.value);
                      setNameErr(nameError('Name')(e.currentTarget.value));
                    }}
                    error={nameErr}
                    w={320}
                  />
                  {modelId && (
                    <ModelPicker
                      models={models.data!.models}
                      value={modelId}
                      onChange={(id) => {
                        setModelId(id);
                        const m = models.data!.models.find((x) => x.id === id);
                        setSpec(defaultSpec(rangesOf(m?.conditioning as Record<string, unknown>)));
                      }}
                    />
                  )}
                </Group>
                {model && spec && <DistributionEditor key={model.id} model={model} spec={spec} onChange={setSpec} onJsonError={setJsonError} />}
                <FormErrors errors={create.general} title="Not saved" />
                {jsonError && (
                  <Alert color="red" role="alert" title="The JSON spec does not parse" data-testid="json-error-alert">
                    Nothing was applied from it and nothing can be saved until it is fixed (or the edits are discarded). The preview still shows the last spec that parsed.
                  </Alert>
                )}
                <Group>
                  <Button onClick={() => void save()} loading={create.pending} disabled={!!jsonError} title={jsonError ? 'Fix the JSON spec first' : undefined} data-testid="save-distribution">
                    Save distribution
                  </Button>
                  <Button variant="default" component={Link} href={`/projects/${encodeURIComponent(p.id)}`}>
                    Cancel
                  </Button>
                </Group>
              </Stack>
            )}
          </>
        );
      }}
    </QueryGate>
  );
}
