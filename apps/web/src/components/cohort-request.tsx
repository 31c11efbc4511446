'use client';
// Request a cohort from a distribution version: size (within this deployment's limits, checked before
// anything is sent), seed (random by default, shown), sampler steps and guidance (the model's declared
// defaults and limits: Model.samplerDefaults / samplerLimits). The time estimate, with what it is based on,
// comes from the API (the model's declared throughput corrected by this deployment's workers).
import { useEffect, useState } from 'react';
import { useRouter } from 'next/navigation';
import { Alert, Button, Group, Modal, NumberInput, Select, Stack, Switch, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { CohortEstimateDocument, InstanceDocument, RequestCohortDocument, type ModelsQuery, type Sampler } from '@/generated/gql/graphql';
import { useGql } from '@/lib/hooks';
import { useMutationForm } from '@/lib/use-mutation-form';
import { formatDuration } from '@/lib/format';
import { sizeError } from '@/lib/validators';
import { FormErrors } from './form-errors';
import { ModelPicker } from './model-picker';

export { formatDuration };

const SEED_MAX = 2 ** 31 - 1;
/** Names people know the samplers by (the API's enum values are the settings contract's names). */
const SAMPLER_LABELS: Record<string, string> = { DDIM: 'DDIM', DDPM: 'DDPM', DPMPP_2M: 'DPM-Solver++ (2M)', UNIPC: 'UniPC' };
function randomSeed(): number {
  const a = new Uint32Array(1);
  crypto.getRandomValues(a);
  return a[0]! % SEED_MAX;
}

export function CohortRequestModal(props: { opened: boolean; onClose: () => void; projectId: string; versions: { id: string; version: number }[]; versionId: string; versionLabel: string; models: ModelsQuery['models'] }) {
  const router = useRouter();
  const [modelId, setModelId] = useState<string | null>(props.models[0]?.id ?? null);
  const [versionId, setVersionId] = useState(props.versionId);
  const model = props.models.find((m) => m.id === modelId);
  const limits = model?.samplerLimits;
  const [size, setSize] = useState<number | string>(2);
  const [seed, setSeed] = useState<number | string>(() => randomSeed());
  const [samplerName, setSamplerName] = useState<string | null>(model?.samplerDefaults.sampler ?? null);
  const [steps, setSteps] = useState<number | string>(model?.samplerDefaults.numInferenceSteps ?? '');
  const [guidance, setGuidance] = useState<number | string>(model?.samplerDefaults.guidanceScale ?? '');
  // a different model brings its own defaults
  useEffect(() => {
    if (!model) return;
    setSamplerName(model.samplerDefaults.sampler);
    setSteps(model.samplerDefaults.numInferenceSteps);
    setGuidance(model.samplerDefaults.guidanceScale);
  }, [model]);
  const [name, setName] = useState('');
  const [preview, setPreview] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const request = useMutationForm(RequestCohortDocument, {
    payload: (r) => r.requestCohort,
    fields: ['size', 'seed', 'sampler', 'numInferenceSteps', 'guidanceScale', 'name', 'modelId', 'distributionVersionId'],
    onFieldErrors: setErrors,
  });
  const instance = useGql(InstanceDocument, {}, { staleTime: 60_000 });
  const maxSize = instance.data ? (preview ? instance.data.instance.maxPreviewSize : instance.data.instance.maxCohortSize) : null;

  const sizeErr = sizeError(size, maxSize, preview);
  const seedErr = typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > SEED_MAX ? `A whole number in 0..${SEED_MAX}` : null;
  const maxSteps = limits?.maxInferenceSteps ?? 1000;
  const stepsErr = typeof steps !== 'number' || !Number.isInteger(steps) || steps < 1 || steps > maxSteps ? `A whole number of denoising steps in 1..${maxSteps}` : null;
  const [gMin, gMax] = limits?.guidanceScale ?? [0, 20];
  const guidanceErr = limits?.guidance && (typeof guidance !== 'number' || guidance < gMin! || guidance > gMax!) ? `A guidance scale in [${gMin}, ${gMax}]` : null;
  const samplerChanged = !!model && samplerName !== null && samplerName !== model.samplerDefaults.sampler;
  const sampler = { ...(samplerChanged ? { sampler: samplerName as Sampler } : {}), numInferenceSteps: typeof steps === 'number' ? steps : null, ...(limits?.guidance && typeof guidance === 'number' ? { guidanceScale: guidance } : {}) };
  const [estVars] = useDebouncedValue({ modelId: modelId ?? '', size: typeof size === 'number' ? size : 0, sampler }, 300);
  const estimate = useGql(CohortEstimateDocument, estVars, { enabled: !!modelId && !sizeErr && !stepsErr && estVars.size > 0, placeholderData: (p) => p });

  async function submit() {
    if (sizeErr || seedErr || stepsErr || guidanceErr || !modelId) return;
    setErrors({});
    const r = await request.run({
      input: { projectId: props.projectId, distributionVersionId: versionId, modelId, size: size as number, seed: seed as number, sampler, name: name.trim() || null, preview },
    });
    if (r) router.push(`/cohorts/${encodeURIComponent(r.cohort!.id)}`);
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
          <NumberInput
            label="Subjects (N)"
            description={maxSize !== null ? `At most ${maxSize.toLocaleString('en')}` : undefined}
            min={1}
            value={size}
            onChange={setSize}
            error={sizeErr ?? errors.size}
            allowDecimal={false}
            thousandSeparator=","
            miw={140}
          />
          <Select
            label="Sampler"
            description={model ? `Model default ${SAMPLER_LABELS[model.samplerDefaults.sampler] ?? model.samplerDefaults.sampler}` : undefined}
            data={(limits?.samplers ?? []).map((v) => ({ value: v, label: SAMPLER_LABELS[v] ?? v }))}
            value={samplerName}
            onChange={(v) => v && setSamplerName(v)}
            allowDeselect={false}
            error={errors.sampler}
            data-testid="sampler-select"
            miw={160}
          />
          <NumberInput
            label="Denoising steps"
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
          ) : sizeErr ? (
            'Fix the number of subjects for an estimate.'
          ) : est ? (
            <>
              <Text size="sm" fw={600}>
                About {formatDuration(est.seconds)} at {est.volumesPerMinute >= 10 ? est.volumesPerMinute.toFixed(0) : est.volumesPerMinute.toFixed(1)} volumes/min, {est.workers} worker
                {est.workers === 1 ? '' : 's'} ({est.perVolumeSeconds.toFixed(1)} s per volume)
                {est.queuedAhead > 0 ? `, after ~${formatDuration(est.waitSeconds)} in the queue` : ''}
              </Text>
              <Text size="xs" c="dimmed" data-testid="estimate-basis">
                {est.basis}
              </Text>
            </>
          ) : (
            'Fill in the size and steps for an estimate.'
          )}
        </Alert>
        <FormErrors errors={request.general} />
        <Group justify="flex-end">
          <Button variant="default" onClick={props.onClose}>
            Cancel
          </Button>
          <Button onClick={() => void submit()} loading={request.pending} disabled={!!(sizeErr || seedErr || stepsErr || guidanceErr)} data-testid="submit-cohort">
            Request cohort
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
