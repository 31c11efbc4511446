'use client';
import { Select } from '@mantine/core';
import type { ModelsQuery } from '@/generated/gql/graphql';

export function ModelPicker({ models, value, onChange, disabled }: { models: ModelsQuery['models']; value: string | null; onChange: (id: string) => void; disabled?: boolean }) {
  return (
    <Select
      label="Model"
      description="Specs are validated against this model's training ranges and brain mask."
      data={models.map((m) => ({ value: m.id, label: `${m.name} ${m.version} · ${m.volumeShapeDhw.join('×')} voxels` }))}
      value={value}
      onChange={(id) => id && onChange(id)}
      allowDeselect={false}
      disabled={disabled}
      maw={480}
    />
  );
}
