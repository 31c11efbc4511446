'use client';
// Request a cohort from a distribution version: size (within this deployment's limits, checked before
// anything is sent), seed (random by default, shown), sampler steps and guidance (the model's declared
// defaults and limits: Model.samplerDefaults / samplerLimits). The time estimate, with what it is based on,
// comes from the API (the model's declared throughput corrected by this deployment's workers).
// Quality control (issue 14): on/off, tries per volume and per-feature tolerances start from the model's
// declared defaults (Model.qcDefaults); only the tolerances changed from them are sent as overrides.
import { useEffect, useState } from 'react';
import { useRouter } from 'next/navigation';
import { Alert, Anchor, Button, Collapse, Group, Modal, NumberInput, Paper, Select, SimpleGrid, Stack, Switch, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { CohortEstimateDocument, InstanceDocument, RequestCohortDocument, type ModelsQuery, type Sampler } from '@/generated/gql/graphql';
import { useGql } from '@/lib/hooks';
import { useMutationForm } from '@/lib/use-mutation-form';
import { formatDuration } from '@/lib/format';
import { sizeError } from '@/lib/validators';
import { preselectModel, QC_FORM_FIELDS, QC_MAX_TOLERANCE, QC_MAX_TRIES, qcFieldErrors, toleranceField, toleranceOverrides } from '@/lib/qc';
import { FEATURE_LABEL, FEATURES, type Feature } from '@/lib/spec';
import { formatFeature } from '@/lib/units';
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

export function CohortRequestModal(props: {
  opened: boolean;
  onClose: () => void;
  projectId: string;
  versions: { id: string; version: number }[];
  versionId: string;
  versionLabel: string;
  models: ModelsQuery['models'];
  /** The model the distribution was saved with: preselected when it is still offered. */
  modelId?: string | null;
}) {
  const router = useRouter();
  const [modelId, setModelId] = useState<string | null>(() => preselectModel(props.models, props.modelId)?.id ?? null);
  // the distribution's model arrives with the page's data
  useEffect(() => {
    if (props.modelId) setModelId(preselectModel(props.models, props.modelId)?.id ?? null);
  }, [props.modelId, props.models]);
  const [versionId, setVersionId] = useState(props.versionId);
  const model = props.models.find((m) => m.id === modelId);
  const limits = model?.samplerLimits;
  const [size, setSize] = useState<number | string>(2);
  const [seed, setSeed] = useState<number | string>(() => randomSeed());
  const [samplerName, setSamplerName] = useState<string | null>(model?.samplerDefaults.sampler ?? null);
  const [steps, setSteps] = useState<number | string>(model?.samplerDefaults.numInferenceSteps ?? '');
  const [guidance, setGuidance] = useState<number | string>(model?.samplerDefaults.guidanceScale ?? '');
  const qcDefaults = model?.qcDefaults;
  const [qcOn, setQcOn] = useState(qcDefaults?.enabled ?? false);
  const [maxTries, setMaxTries] = useState<number | string>(qcDefaults?.maxTries ?? 3);
  const [tolerances, setTolerances] = useState<Record<string, number | string>>({});
  const [tolOpen, setTolOpen] = useState(false);
  // a different model brings its own defaults
  useEffect(() => {
    if (!model) return;
    setSamplerName(model.samplerDefaults.sampler);
    setSteps(model.samplerDefaults.numInferenceSteps);
    setGuidance(model.samplerDefaults.guidanceScale);
    setQcOn(model.qcDefaults.enabled);
    setMaxTries(model.qcDefaults.maxTries);
    setTolerances({});
  }, [model]);
  const [name, setName] = useState('');
  const [preview, setPreview] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const request = useMutationForm(RequestCohortDocument, {
    payload: (r) => r.requestCohort,
    fields: ['size', 'seed', 'sampler', 'numInferenceSteps', 'guidanceScale', 'name', 'modelId', 'distributionVersionId', ...QC_FORM_FIELDS, ...FEATURES.map(toleranceField)],
    onFieldErrors: setErrors,
    mapErrors: qcFieldErrors,
  });
  const instance = useGql(InstanceDocument, {}, { staleTime: 60_000 });
  const maxSize = instance.data ? (preview ? instance.data.instance.maxPreviewSize : instance.data.instance.maxCohortSize) : null;

  const sizeErr = sizeError(size, maxSize, preview);
  const seedErr = typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > SEED_MAX ? `A whole number in 0..${SEED_MAX}` : null;
  const maxSteps = limits?.maxInferenceSteps ?? 1000;
  const stepsErr = typeof steps !== 'number' || !Number.isInteger(steps) || steps < 1 || steps > maxSteps ? `A whole number of denoising steps in 1..${maxSteps}` : null;
  const [gMin, gMax] = limits?.guidanceScale ?? [0, 20];
  const guidanceErr = limits?.guidance && (typeof guidance !== 'number' || guidance < gMin! || guidance > gMax!) ? `A guidance scale in [${gMin}, ${gMax}]` : null;
  // QC can only run when the model declares it (Model.qcDefaults.enabled); otherwise nothing is sent
  const qcDeclared = !!qcDefaults?.enabled;
  const triesErr = qcDeclared && qcOn && (typeof maxTries !== 'number' || !Number.isInteger(maxTries) || maxTries < 1 || maxTries > QC_MAX_TRIES) ? `A whole number of tries in 1..${QC_MAX_TRIES}` : null;
  const tol = toleranceOverrides(qcDefaults?.tolerances ?? [], tolerances);
  const tolErr = qcDeclared && qcOn && Object.keys(tol.errors).length > 0;
  const qc = qcDeclared ? (qcOn ? { enabled: true, maxTries: typeof maxTries === 'number' ? maxTries : null, ...(tol.tolerances.length ? { tolerances: tol.tolerances } : {}) } : { enabled: false }) : null;
  const samplerChanged = !!model && samplerName !== null && samplerName !== model.samplerDefaults.sampler;
  const sampler = { ...(samplerChanged ? { sampler: samplerName as Sampler } : {}), numInferenceSteps: typeof steps === 'number' ? steps : null, ...(limits?.guidance && typeof guidance === 'number' ? { guidanceScale: guidance } : {}) };
  const [estVars] = useDebouncedValue({ modelId: modelId ?? '', size: typeof size === 'number' ? size : 0, sampler }, 300);
  const estimate = useGql(CohortEstimateDocument, estVars, { enabled: !!modelId && !sizeErr && !stepsErr && estVars.size > 0, placeholderData: (p) => p });

  async function submit() {
    if (sizeErr || seedErr || stepsErr || guidanceErr || triesErr || tolErr || !modelId) return;
    setErrors({});
    const r = await request.run({
      input: { projectId: props.projectId, distributionVersionId: versionId, modelId, size: size as number, seed: seed as number, sampler, qc, name: name.trim() || null, preview },
    });
    if (r) router.push(`/cohorts/${encodeURIComponent(r.cohort!.id)}`);
  }

  const est = estimate.data?.cohortEstimate;
  return (
    <Modal opened={props.opened} onClose={props.onClose} title={`Request a cohort from ${props.versionLabel}`} size="lg">
      <Stack>
        <Select
          label="Distribution version"
          data={props.versions.map((v) => ({ value: v.id, label: `v${v.version}${v.id === props.versionId ? ' (latest)' : ''}` }))}
          value={versionId}
          onChange={(v) => v && setVersionId(v)}
          allowDeselect={false}
          error={errors.distributionVersionId}
          maw={240}
        />
        <ModelPicker models={props.models} value={modelId} onChange={setModelId} />
        {errors.modelId && (
          <Text size="xs" c="red" role="alert">
            {errors.modelId}
          </Text>
        )}
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
        {model && (
          <Paper withBorder p="sm" component="fieldset" style={{ margin: 0 }} aria-label="Quality control" data-testid="qc-controls">
            <Text fw={600} size="sm" component="legend" px={4}>
              Quality control
            </Text>
            <Group align="flex-start" wrap="wrap">
              <Switch
                label="Check every volume; regenerate the ones that fail"
                description={qcDeclared ? 'A tumour is present, features within the tolerances, the image brain-like.' : (qcDefaults?.disabledReason ?? 'This model declares no quality control.')}
                checked={qcDeclared && qcOn}
                disabled={!qcDeclared}
                onChange={(e) => setQcOn(e.currentTarget.checked)}
                error={errors.qcEnabled}
                data-testid="qc-enabled"
                style={{ flex: 1, minWidth: 220 }}
              />
              {qcDeclared && qcOn && (
                <NumberInput
                  label="Tries per volume"
                  description={`Model default ${qcDefaults!.maxTries}; then QC_FAILED`}
                  min={1}
                  max={QC_MAX_TRIES}
                  value={maxTries}
                  onChange={setMaxTries}
                  error={triesErr ?? errors.qcMaxTries}
                  allowDecimal={false}
                  w={170}
                />
              )}
            </Group>
            {qcDeclared && qcOn && qcDefaults!.tolerances.length > 0 && (
              <>
                <Anchor component="button" type="button" size="xs" mt={6} onClick={() => setTolOpen((o) => !o)} aria-expanded={tolOpen} data-testid="qc-tolerances-toggle">
                  {tolOpen ? 'Hide' : 'Show'} tolerances ({tol.tolerances.length ? `${tol.tolerances.length} changed` : "the model's defaults"})
                </Anchor>
                <Collapse expanded={tolOpen}>
                  <Text size="xs" c="dimmed" mt={4}>
                    Largest accepted |measured − requested| per feature, in normalised units (physical equivalent in brackets); derived from the model&apos;s measured held-out error. Leave a value as it
                    is to keep the model&apos;s.
                  </Text>
                  <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="xs" mt={4}>
                    {qcDefaults!.tolerances.map((t) => {
                      const f = t.feature as Feature;
                      const v = tolerances[t.feature] ?? t.abs;
                      return (
                        <NumberInput
                          key={t.feature}
                          label={FEATURE_LABEL[f] ?? t.feature}
                          description={`Model default ${t.abs}${typeof v === 'number' && formatFeature(model, f, v) !== v.toFixed(3) ? ` (± ${formatFeature(model, f, v)})` : ''}`}
                          min={0}
                          max={QC_MAX_TOLERANCE}
                          step={0.01}
                          decimalScale={4}
                          value={v}
                          onChange={(x) => setTolerances((prev) => ({ ...prev, [t.feature]: x }))}
                          error={tol.errors[toleranceField(t.feature)] ?? errors[toleranceField(t.feature)]}
                          data-testid={`qc-tolerance-${t.feature}`}
                          size="xs"
                        />
                      );
                    })}
                  </SimpleGrid>
                </Collapse>
              </>
            )}
          </Paper>
        )}
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
          <Button onClick={() => void submit()} loading={request.pending} disabled={!!(sizeErr || seedErr || stepsErr || guidanceErr || triesErr || tolErr)} data-testid="submit-cohort">
            Request cohort
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
