'use client';
// The model choice: test fixtures are never offered (the API lists them, flagged TEST_FIXTURE), the default
// model comes first (pages preselect it with preselectModel), and a short card says what the chosen model
// is: purpose, what it was trained on, its measured adherence on held-out conditions, the calibration it
// declares and the seconds per volume this deployment expects.
import { Badge, Group, Paper, Select, Stack, Text } from '@mantine/core';
import { CohortEstimateDocument, type ModelsQuery } from '@/generated/gql/graphql';
import { useGql } from '@/lib/hooks';
import { offeredModels, PURPOSE_LABEL } from '@/lib/qc';

type Model = ModelsQuery['models'][number];

export function ModelPicker({ models, value, onChange, disabled, card = true }: { models: ModelsQuery['models']; value: string | null; onChange: (id: string) => void; disabled?: boolean; card?: boolean }) {
  const offered = offeredModels(models);
  const selected = offered.find((m) => m.id === value) ?? null;
  return (
    <Stack gap={6} maw={520} style={{ flex: 1 }}>
      <Select
        label="Model"
        description="Specs are validated against this model's training ranges and brain mask."
        data={offered.map((m) => ({ value: m.id, label: `${m.name} ${m.version}${m.isDefault ? ' (default)' : ''} · ${PURPOSE_LABEL[m.purpose]} · ${m.volumeShapeDhw.join('×')} voxels` }))}
        value={selected ? selected.id : null}
        onChange={(id) => id && onChange(id)}
        allowDeselect={false}
        disabled={disabled}
        data-testid="model-select"
      />
      {card && selected && <ModelCard model={selected} />}
    </Stack>
  );
}

const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);
const obj = (x: unknown): Record<string, unknown> | null => (x && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : null);

/** Held-out adherence the model declares: after its calibration when it has one, else the model card's raw numbers. */
export function measuredAdherence(model: Pick<Model, 'calibration' | 'metrics'>): { basis: string; volumeRatio: number | null; rho: number | null; centroidPctFov: number | null } | null {
  const after = obj(obj(obj(model.calibration?.effect)?.held_out)?.after);
  if (after) {
    return {
      basis: `held-out conditions (n = ${num(after.n) ?? '?'}), with its calibration`,
      volumeRatio: num(after.generated_over_requested_volume_mean),
      rho: num(after.spearman_rho_volume),
      centroidPctFov: num(after.centroid_err_pct_fov_median),
    };
  }
  const a = obj(obj(model.metrics)?.conditioning_adherence);
  if (!a) return null;
  const req = num(a.requested_volume_mean);
  const meas = num(a.measured_volume_mean);
  return {
    basis: `held-out conditions (n = ${num(a.n) ?? '?'}), uncalibrated`,
    volumeRatio: req && meas !== null ? meas / req : null,
    rho: num(a.spearman_rho_volume),
    centroidPctFov: num(a.centroid_err_pct_fov_median),
  };
}

function ModelCard({ model }: { model: Model }) {
  // seconds per volume as this deployment's workers run it (the model's declared throughput, corrected)
  const est = useGql(CohortEstimateDocument, { modelId: model.id, size: 1, sampler: null }, { staleTime: 60_000 });
  const perVolume = est.data?.cohortEstimate.perVolumeSeconds ?? null;
  const adh = measuredAdherence(model);
  const cal = model.calibration;
  const parts = adh
    ? [
        adh.volumeRatio !== null ? `generated / requested volume ${adh.volumeRatio.toFixed(2)}×` : null,
        adh.rho !== null ? `Spearman ρ ${adh.rho.toFixed(2)}` : null,
        adh.centroidPctFov !== null ? `centroid error ${adh.centroidPctFov.toFixed(1)}% of the field of view (median)` : null,
      ].filter(Boolean)
    : [];
  return (
    <Paper withBorder p="xs" data-testid="model-card" data-model={model.name} data-purpose={model.purpose}>
      <Group gap={6} mb={4}>
        <Text size="sm" fw={600}>
          {model.name}
        </Text>
        {model.isDefault && (
          <Badge size="xs" color="teal" variant="light">
            default
          </Badge>
        )}
        <Badge size="xs" color={model.purpose === 'PRODUCTION' ? 'indigo' : 'orange'} variant="light" data-testid="model-purpose">
          {PURPOSE_LABEL[model.purpose]}
        </Badge>
      </Group>
      <Stack gap={2}>
        {model.description && (
          <Text size="xs" data-testid="model-training">
            {model.description}
          </Text>
        )}
        <Text size="xs" data-testid="model-adherence">
          Measured adherence: {adh && parts.length ? `${parts.join(', ')} (${adh.basis})` : 'not measured (the model declares no held-out adherence)'}
        </Text>
        <Text size="xs" data-testid="model-calibration">
          Calibration: {cal ? `version ${cal.version}, ${cal.method}; maps ${cal.features.join(', ')}` : 'none (requested values are fed as they are)'}
        </Text>
        <Text size="xs" c="dimmed" data-testid="model-speed">
          {perVolume !== null ? `About ${perVolume.toFixed(1)} s per volume here` : est.error ? 'Seconds per volume unknown' : 'Seconds per volume…'} · {model.throughputBasis}
        </Text>
      </Stack>
    </Paper>
  );
}
