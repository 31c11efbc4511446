'use client';
// The distribution editor: controls for the drawn features, position and the raw JSON, with a live
// preview from the API (previewDistribution) as you edit. Values beyond the model's training range are
// flagged where they are typed. JSON that does not parse is shown as an error and reported to the page
// (onJsonError), which must not save: the last valid spec is never saved in its place silently.
// Saving is the page's job.
import { useEffect, useMemo, useState } from 'react';
import { ActionIcon, Alert, Button, Code, Grid, Group, JsonInput, MultiSelect, NumberInput, Paper, Select, Stack, Switch, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { PreviewDistributionDocument, type ModelsQuery } from '@/generated/gql/graphql';
import { useGql } from '@/lib/hooks';
import { DRAWN, FEATURE_LABEL, FEATURES, MARGINAL_PARAMS, MARGINAL_TYPES, outsideTrainingRange, rangesOf, REGIONS, switchMarginal, type Feature, type FeatureHistogram, type MarginalType, type ModelRanges, type Spec } from '@/lib/spec';
import { formatFeature } from '@/lib/units';
import { CentroidScatter, FeatureHistograms, PreviewSummary } from './distribution-preview';
import { ErrorState, LoadingState } from './states';

type Model = ModelsQuery['models'][number];

export function DistributionEditor({
  model,
  spec,
  onChange,
  onJsonError,
  readOnly = false,
}: {
  model: Model;
  spec: Spec;
  onChange: (s: Spec) => void;
  /** The JSON box's parse error (null when it parses): the page refuses to save while there is one. */
  onJsonError?: (error: string | null) => void;
  readOnly?: boolean;
}) {
  const ranges = useMemo(() => rangesOf(model.conditioning as Record<string, unknown>), [model]);
  const [jsonText, setJsonText] = useState(() => JSON.stringify(spec, null, 2));
  const [jsonError, setJsonError] = useState<string | null>(null);
  const [seed, setSeed] = useState(0);
  // Keep the JSON view in step with the controls (but not while the user is typing invalid JSON).
  useEffect(() => {
    if (!jsonError) setJsonText(JSON.stringify(spec, null, 2));
  }, [spec, jsonError]);

  const [debouncedSpec] = useDebouncedValue(spec, 250);
  const preview = useGql(PreviewDistributionDocument, { modelId: model.id, spec: debouncedSpec, n: 1000, seed }, { placeholderData: (prev) => prev, staleTime: 60_000 });
  const p = preview.data?.previewDistribution;
  const features = (spec.features ?? {}) as Record<string, Record<string, unknown>>;
  const position = (spec.position ?? { type: 'region', region: 'anywhere' }) as { type?: string; region?: string | string[] };
  const regionList: string[] = position.type === 'region' ? (Array.isArray(position.region) ? position.region : [position.region ?? 'anywhere']) : [];

  const setFeature = (f: Feature, value: Record<string, unknown>) => onChange({ ...spec, features: { ...features, [f]: value } });
  const errorsFor = (prefix: string[]) =>
    (p?.userErrors ?? []).filter((e) => prefix.every((k, i) => e.field.filter((x) => x !== 'spec' && x !== 'input')[i] === k)).map((e) => e.message);

  return (
    <Grid gap="lg">
      <Grid.Col span={{ base: 12, md: 5 }}>
        <Stack gap="md">
          {spec.kind !== 'parametric' && (
            <Alert color="blue">
              This spec is of kind <Code>{spec.kind}</Code>: edit it as JSON below; the preview still updates.
            </Alert>
          )}
          {spec.kind === 'parametric' &&
            DRAWN.map((f) => {
              const fi = FEATURES.indexOf(f);
              const lo = ranges?.min[fi] ?? 0;
              const hi = ranges?.max[fi] ?? 1;
              const m = features[f];
              const type = (m?.type as MarginalType | undefined) ?? null;
              const known = type !== null && type in MARGINAL_PARAMS;
              const errs = errorsFor(['features', f]);
              const beyond = ranges ? outsideTrainingRange(m, lo, hi) : [];
              return (
                <Paper withBorder p="sm" key={f} component="fieldset" style={{ margin: 0 }} aria-label={FEATURE_LABEL[f]}>
                  <Text fw={600} size="sm" component="legend" px={4}>
                    {FEATURE_LABEL[f]}
                  </Text>
                  <Text size="xs" c="dimmed" mb={6} data-testid={`training-range-${f}`}>
                    Normalised units; the model was trained on [{lo.toFixed(3)}, {hi.toFixed(3)}]
                    {f === 'voxel_volume' || f === 'surface_area' ? ` (${formatFeature(model, f, lo)} to ${formatFeature(model, f, hi)})` : ''}. The histogram shows physical units.
                  </Text>
                  <Select
                    label="Distribution"
                    data={[{ value: '', label: 'Model training range (uniform)' }, ...MARGINAL_TYPES, ...(m && !known ? [{ value: String(m.type), label: `${m.type} (edit as JSON)` }] : [])]}
                    value={m ? String(m.type) : ''}
                    allowDeselect={false}
                    disabled={readOnly}
                    onChange={(t) => {
                      if (t === m?.type) return;
                      if (!t) {
                        const { [f]: _drop, ...rest } = features;
                        onChange({ ...spec, features: rest });
                      } else if (t in MARGINAL_PARAMS) setFeature(f, switchMarginal(t as MarginalType, m, lo, hi) as unknown as Record<string, unknown>);
                    }}
                  />
                  {known && m && (
                    <Group grow gap="xs" mt="xs" wrap="wrap">
                      {MARGINAL_PARAMS[type].map(({ key, label }) => (
                        <NumberInput
                          key={key}
                          label={label}
                          value={typeof m[key] === 'number' ? (m[key] as number) : ''}
                          decimalScale={4}
                          step={0.01}
                          disabled={readOnly}
                          error={errorsFor(['features', f, key])[0]}
                          onChange={(v) => {
                            const next = { ...m };
                            if (v === '' || typeof v !== 'number') delete next[key];
                            else next[key] = v;
                            setFeature(f, next);
                          }}
                          miw={90}
                        />
                      ))}
                    </Group>
                  )}
                  {beyond.length > 0 && (
                    <Alert color="orange" variant="light" mt={6} p="xs" data-testid={`range-warning-${f}`} title="Beyond the training range">
                      <Text size="xs">
                        {beyond.join('; ')}. The model has not seen such tumours: draws outside the range are redrawn, so the cohort may not follow this distribution.
                      </Text>
                    </Alert>
                  )}
                  {errs.length > 0 && (
                    <Text size="xs" c="red" mt={4} role="alert">
                      {errs.join(' ')}
                    </Text>
                  )}
                </Paper>
              );
            })}
          <Paper withBorder p="sm">
            <MultiSelect
              label="Position region"
              description="Intersection of halves of the brain's bounding box; 'anywhere' alone means the whole brain."
              data={REGIONS.map((r) => ({ value: r, label: r }))}
              value={regionList}
              disabled={readOnly || (position.type !== undefined && position.type !== 'region')}
              onChange={(v) => {
                const regions = v.filter((r): r is (typeof REGIONS)[number] => (REGIONS as readonly string[]).includes(r));
                onChange({ ...spec, position: { type: 'region', region: regions.length === 0 ? 'anywhere' : regions.length === 1 ? regions[0]! : regions.filter((r) => r !== 'anywhere') } });
              }}
              error={errorsFor(['position'])[0]}
            />
            {position.type !== undefined && position.type !== 'region' && (
              <Text size="xs" c="dimmed" mt={4}>
                Position is “{position.type}”: edit it as JSON.
              </Text>
            )}
          </Paper>
          <QuotaEditor spec={spec} onChange={onChange} readOnly={readOnly} errors={errorsFor(['quotas'])} ranges={ranges} model={model} />
          <JsonInput
            label="Spec (JSON)"
            description="Everything the spec format allows (mixtures, quotas, shape, empirical): edits here update the controls and the preview."
            value={jsonText}
            autosize
            minRows={8}
            maxRows={24}
            readOnly={readOnly}
            formatOnBlur
            error={jsonError}
            data-testid="spec-json"
            onChange={(text) => {
              setJsonText(text);
              let error: string | null = null;
              try {
                const parsed = JSON.parse(text) as unknown;
                if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the spec must be a JSON object');
                onChange(parsed as Spec);
              } catch (err) {
                error = `This JSON does not parse: ${err instanceof Error ? err.message : String(err)}. Fix it or undo the edit; it cannot be saved like this.`;
              }
              setJsonError(error);
              onJsonError?.(error);
            }}
          />
        </Stack>
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 7 }}>
        <Stack gap="sm" aria-live="polite">
          <Group justify="space-between">
            {p ? <PreviewSummary n={p.n} millis={p.millis} rejections={p.rejections as Parameters<typeof PreviewSummary>[0]['rejections']} /> : <Title order={3} size="h5">Preview</Title>}
            <Button size="xs" variant="default" onClick={() => setSeed((s) => s + 1)}>
              Resample (seed {seed})
            </Button>
          </Group>
          {preview.isPending ? (
            <LoadingState label="Sampling 1000 draws…" />
          ) : preview.error ? (
            <ErrorState error={preview.error} onRetry={() => void preview.refetch()} title="Preview failed" />
          ) : p && p.userErrors.length > 0 ? (
            <Alert color="red" title="The spec is not valid yet" role="alert" data-testid="spec-errors">
              <Stack gap={2}>
                {p.userErrors.map((e, i) => (
                  <Text size="sm" key={i}>
                    <Code>{e.field.join('.')}</Code> {e.message}
                  </Text>
                ))}
              </Stack>
            </Alert>
          ) : p ? (
            <>
              <CentroidScatter vectors={(p.vectors as number[][] | null) ?? []} projection={model.brainProjection ?? null} />
              <FeatureHistograms histograms={(p.histograms as FeatureHistogram[] | null) ?? []} />
            </>
          ) : null}
        </Stack>
      </Grid.Col>
    </Grid>
  );
}

interface Stratum {
  name: string;
  min: number;
  max: number;
  fraction: number;
}

/** Quotas: strata [min, max) of one feature with the fraction of the cohort each must get. */
function QuotaEditor({ spec, onChange, readOnly, errors, ranges, model }: { spec: Spec; onChange: (s: Spec) => void; readOnly: boolean; errors: string[]; ranges: ModelRanges | null; model: Model }) {
  const quotas = spec.quotas as { feature: 'voxel_volume' | 'sphericity'; strata: Stratum[] } | undefined;
  const set = (q: typeof quotas) => {
    const { quotas: _old, ...rest } = spec;
    onChange(q ? { ...rest, quotas: q } : (rest as Spec));
  };
  const fi = (f: string) => (f === 'sphericity' ? 2 : 0);
  const sum = quotas?.strata.reduce((a, st) => a + (Number(st.fraction) || 0), 0) ?? 0;
  const qlo = quotas && ranges ? ranges.min[fi(quotas.feature)]! : null;
  const qhi = quotas && ranges ? ranges.max[fi(quotas.feature)]! : null;
  const beyond = quotas && qlo !== null && qhi !== null ? quotas.strata.flatMap((st) => outsideTrainingRange({ type: 'uniform', min: st.min, max: st.max }, qlo, qhi + 0.001).map((m) => `${st.name}: ${m}`)) : [];
  return (
    <Paper withBorder p="sm" component="fieldset" style={{ margin: 0 }} aria-label="Quotas">
      <Text fw={600} size="sm" component="legend" px={4}>
        Quotas
      </Text>
      <Switch
        label="Guarantee fractions of the cohort per stratum"
        checked={!!quotas}
        disabled={readOnly}
        onChange={(e) => {
          if (!e.currentTarget.checked) return set(undefined);
          // Split the range volumes are drawn from now (else the training range) in two halves.
          const drawn = (spec.features as Record<string, { min?: unknown; max?: unknown }> | undefined)?.voxel_volume;
          const lo = typeof drawn?.min === 'number' ? drawn.min : (ranges?.min[0] ?? 0);
          const hi = typeof drawn?.max === 'number' ? drawn.max : (ranges?.max[0] ?? 1);
          const mid = Math.round(((lo + hi) / 2) * 1000) / 1000;
          set({ feature: 'voxel_volume', strata: [{ name: 'small', min: lo, max: mid, fraction: 0.5 }, { name: 'large', min: mid, max: Math.round((hi + 0.001) * 1000) / 1000, fraction: 0.5 }] });
        }}
      />
      {quotas && (
        <Stack gap={6} mt="xs">
          <Select
            label="Feature"
            data={[
              { value: 'voxel_volume', label: FEATURE_LABEL.voxel_volume },
              { value: 'sphericity', label: FEATURE_LABEL.sphericity },
            ]}
            value={quotas.feature}
            allowDeselect={false}
            disabled={readOnly}
            onChange={(f) => f && set({ ...quotas, feature: f as 'voxel_volume' | 'sphericity' })}
            description={ranges ? `Training range [${ranges.min[fi(quotas.feature)]!.toFixed(3)}, ${ranges.max[fi(quotas.feature)]!.toFixed(3)}]${quotas.feature === 'voxel_volume' ? ` (${formatFeature(model, 'voxel_volume', ranges.min[0]!)} to ${formatFeature(model, 'voxel_volume', ranges.max[0]!)})` : ''}` : undefined}
          />
          {quotas.strata.map((st, i) => {
            const update = (patch: Partial<Stratum>) => set({ ...quotas, strata: quotas.strata.map((x, j) => (j === i ? { ...x, ...patch } : x)) });
            const num = (v: number | string) => (typeof v === 'number' ? v : Number.NaN);
            return (
              <Group key={i} gap={4} wrap="nowrap" align="flex-end">
                <TextInput aria-label={`Stratum ${i + 1} name`} placeholder="name" value={st.name} onChange={(e) => update({ name: e.currentTarget.value })} disabled={readOnly} w={90} size="xs" />
                <NumberInput aria-label={`Stratum ${i + 1} min`} placeholder="min" value={st.min} onChange={(v) => update({ min: num(v) })} disabled={readOnly} decimalScale={4} size="xs" hideControls />
                <NumberInput aria-label={`Stratum ${i + 1} max`} placeholder="max" value={st.max} onChange={(v) => update({ max: num(v) })} disabled={readOnly} decimalScale={4} size="xs" hideControls />
                <NumberInput aria-label={`Stratum ${i + 1} fraction`} placeholder="fraction" value={st.fraction} onChange={(v) => update({ fraction: num(v) })} disabled={readOnly} decimalScale={3} size="xs" hideControls />
                <ActionIcon variant="subtle" color="red" aria-label={`Remove stratum ${i + 1}`} disabled={readOnly || quotas.strata.length <= 1} onClick={() => set({ ...quotas, strata: quotas.strata.filter((_, j) => j !== i) })}>
                  ×
                </ActionIcon>
              </Group>
            );
          })}
          <Group justify="space-between">
            <Button size="xs" variant="subtle" disabled={readOnly} onClick={() => set({ ...quotas, strata: [...quotas.strata, { name: `s${quotas.strata.length + 1}`, min: 0, max: 1, fraction: 0 }] })}>
              Add stratum
            </Button>
            <Text size="xs" c={Math.abs(sum - 1) > 1e-6 ? 'red' : 'dimmed'}>
              Fractions sum to {sum.toFixed(3)}
              {Math.abs(sum - 1) > 1e-6 ? ' (must be 1)' : ''}
            </Text>
          </Group>
          {beyond.length > 0 && (
            <Text size="xs" c="orange.8" data-testid="range-warning-quotas">
              Beyond the training range: {beyond.join('; ')}.
            </Text>
          )}
          {errors.length > 0 && (
            <Text size="xs" c="red" role="alert">
              {errors.join(' ')}
            </Text>
          )}
        </Stack>
      )}
    </Paper>
  );
}
