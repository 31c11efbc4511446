'use client';
// Request a cohort from a distribution version: size, seed (random by default, shown), sampler steps and
// guidance (the model's declared defaults and limits: Model.samplerDefaults / samplerLimits); the time
// estimate comes from the API's measured worker throughput before you submit.
import { useEffect, useState } from 'react';
import { useRouter } from 'next/navigation';
import { Alert, Button, Group, Modal, NumberInput, Select, Stack, Switch, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { CohortEstimateDocument, RequestCohortDocument, type ModelsQuery } from '@/generated/gql/graphql';
import { useGql, useGqlMutation } from '@/lib/hooks';
import { splitUserErrors } from '@/lib/graphql-client';
import { ModelPicker } from './model-picker';

const SEED_MAX = 2 ** 31 - 1;
function randomSeed(): number {
  const a = new Uint32Array(1);
  crypto.getRandomValues(a);
  return a[0]! % SEED_MAX;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

export function CohortRequestModal(props: { opened: boolean; onClose: () => void; projectId: string; versions: { id: string; version: number }[]; versionId: string; versionLabel: string; models: ModelsQuery['models'] }) {
  const router = useRouter();
  const [modelId, setModelId] = useState<string | null>(props.models[0]?.id ?? null);
  const [versionId, setVersionId] = useState(props.versionId);
  const model = props.models.find((m) => m.id === modelId);
  const limits = model?.samplerLimits;
  const [size, setSize] = useState<number | string>(2);
  const [seed, setSeed] = useState<number | string>(() => randomSeed());
  const [steps, setSteps] = useState<number | string>(model?.samplerDefaults.numInferenceSteps ?? '');
  const [guidance, setGuidance] = useState<number | string>(model?.samplerDefaults.guidanceScale ?? '');
  // a different model brings its own defaults
  useEffect(() => {
    if (!model) return;
    setSteps(model.samplerDefaults.numInferenceSteps);
    setGuidance(model.samplerDefaults.guidanceScale);
  }, [model]);
  const [name, setName] = useState('');
  const [preview, setPreview] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string[]>([]);
  const request = useGqlMutation(RequestCohortDocument);

  const sizeErr = typeof size !== 'number' || !Number.isInteger(size) || size < 1 ? 'A whole number of subjects, at least 1' : null;
  const seedErr = typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > SEED_MAX ? `A whole number in 0..${SEED_MAX}` : null;
  const maxSteps = limits?.maxInferenceSteps ?? 1000;
  const stepsErr = typeof steps !== 'number' || !Number.isInteger(steps) || steps < 1 || steps > maxSteps ? `A whole number of denoising steps in 1..${maxSteps}` : null;
  const [gMin, gMax] = limits?.guidanceScale ?? [0, 20];
  const guidanceErr = limits?.guidance && (typeof guidance !== 'number' || guidance < gMin! || guidance > gMax!) ? `A guidance scale in [${gMin}, ${gMax}]` : null;
  const sampler = { numInferenceSteps: typeof steps === 'number' ? steps : null, ...(limits?.guidance && typeof guidance === 'number' ? { guidanceScale: guidance } : {}) };
  const [estVars] = useDebouncedValue({ modelId: modelId ?? '', size: typeof size === 'number' ? size : 0, sampler }, 300);
  const estimate = useGql(CohortEstimateDocument, estVars, { enabled: !!modelId && !sizeErr && !stepsErr && estVars.size > 0, placeholderData: (p) => p });

  async function submit() {
    if (sizeErr || seedErr || stepsErr || guidanceErr || !modelId) return;
    setGeneral([]);
    setErrors({});
    try {
      const { requestCohort: r } = await request.mutateAsync({
        input: { projectId: props.projectId, distributionVersionId: versionId, modelId, size: size as number, seed: seed as number, sampler, name: name.trim() || null, preview },
      });
      if (r.userErrors.length) {
        const split = splitUserErrors(r.userErrors, ['size', 'seed', 'numInferenceSteps', 'guidanceScale', 'name', 'modelId', 'distributionVersionId']);
        setErrors(split.fields);
        return setGeneral(split.general);
      }
      router.push(`/cohorts/${encodeURIComponent(r.cohort!.id)}`);
    } catch (e) {
      setGeneral([e instanceof Error ? e.message : String(e)]);
    }
  }

  const est = estimate.data?.cohortEstimate;
  return (
    <Modal opened={props.opened} onClose={props.onClose} title={`Request a cohort from ${props.versionLabel}`} size="lg">
      <Stack>
        <Group grow align="flex-start" wrap="wrap">
          <Select
            label="Distribution version"
            data={props.versions.map((v) => ({ value: v.id, label: `v${v.version}${v.id === props.versionId ? ' (latest)' : ''}` }))}
            value={versionId}
            onChange={(v) => v && setVersionId(v)}
            allowDeselect={false}
            error={errors.distributionVersionId}
          />
          <ModelPicker models={props.models} value={modelId} onChange={setModelId} />
        </Group>
        <TextInput label="Name (optional)" value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors.name} />
        <Group grow align="flex-start" wrap="wrap">
          <NumberInput label="Subjects (N)" min={1} value={size} onChange={setSize} error={sizeErr ?? errors.size} allowDecimal={false} miw={140} />
          <NumberInput
            label={`${(model?.samplerDefaults.sampler ?? 'ddim').toUpperCase()} steps`}
            description={model ? `Model default ${model.samplerDefaults.numInferenceSteps}` : undefined}
            min={1}
            max={maxSteps}
            value={steps}
            onChange={setSteps}
            error={stepsErr ?? errors.numInferenceSteps}
            allowDecimal={false}
            miw={140}
          />
          {limits?.guidance && (
            <NumberInput
              label="Guidance scale"
              description={`Model default ${model!.samplerDefaults.guidanceScale}`}
              min={gMin}
              max={gMax}
              step={0.5}
              value={guidance}
              onChange={setGuidance}
              error={guidanceErr ?? errors.guidanceScale}
              miw={140}
            />
          )}
        </Group>
        <Group align="flex-end" wrap="nowrap">
          <NumberInput label="Seed" description="Random by default; the same seed gives the same cohort." value={seed} onChange={setSeed} error={seedErr ?? errors.seed} allowDecimal={false} style={{ flex: 1 }} />
          <Button variant="default" onClick={() => setSeed(randomSeed())}>
            New seed
          </Button>
        </Group>
        <Switch label="Preview: serve these volumes ahead of bulk work" checked={preview} onChange={(e) => setPreview(e.currentTarget.checked)} />
        <Alert color="gray" data-testid="cohort-estimate" aria-live="polite">
          {estimate.isFetching && !est ? (
            'Estimating…'
          ) : estimate.error ? (
            <Text size="sm" c="red">
              No estimate: {estimate.error.message}
            </Text>
          ) : est ? (
            <>
              <Text size="sm" fw={600}>
                About {formatDuration(est.seconds)} ({est.perVolumeSeconds.toFixed(1)} s per volume)
              </Text>
              <Text size="xs" c="dimmed">
                {est.basis}
              </Text>
            </>
          ) : (
            'Fill in the size and steps for an estimate.'
          )}
        </Alert>
        {general.length > 0 && (
          <Alert color="red" role="alert">
            {general.join(' ')}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={props.onClose}>
            Cancel
          </Button>
          <Button onClick={() => void submit()} loading={request.isPending} disabled={!!(sizeErr || seedErr || stepsErr || guidanceErr)} data-testid="submit-cohort">
            Request cohort
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
