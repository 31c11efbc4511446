'use client';
// What changed from another version to this one: volumes added and removed, and each feature's
// distribution: both histograms overlaid on shared bins, with the two-sample Kolmogorov-Smirnov statistic.
import { useMemo, useState } from 'react';
import { Area, AreaChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { Badge, Code, Group, Paper, Select, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import type { ManifestDiff } from '@slicewise/datasets';
import { DiffDatasetVersionsDocument, ProjectDatasetsDocument } from '@/generated/gql/graphql';
import { useGql } from '@/lib/hooks';
import { DataTable, type Column } from '@/components/data-table';
import { ErrorState, LoadingState } from '@/components/states';

type FeatureDiff = ManifestDiff['features'][number];

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Number(v.toPrecision(3)).toString());
/** The features shown as charts first: what was measured on the generated masks. */
const CHARTED = ['measured.voxel_volume', 'measured.sphericity', 'measured.x', 'measured.y', 'measured.z', 'requested.voxel_volume'];

function Overlaid({ d, labelA, labelB }: { d: FeatureDiff; labelA: string; labelB: string }) {
  const h = d.histogram;
  const data = h.a.map((a, i) => ({ x: (h.edges[i]! + h.edges[i + 1]!) / 2, a, b: h.b[i] ?? 0 }));
  return (
    <Paper withBorder p="xs" data-testid={`diff-histogram-${d.feature}`} data-a={h.a.join(',')} data-b={h.b.join(',')}>
      <Group justify="space-between" gap={4} wrap="nowrap">
        <Text size="xs" fw={600}>
          {d.feature}
        </Text>
        {d.ks && (
          <Badge size="xs" variant="light" color={d.ks.pValue < 0.05 ? 'orange' : 'gray'} tt="none">
            KS D={d.ks.statistic.toFixed(2)} p={d.ks.pValue < 0.001 ? '<0.001' : d.ks.pValue.toFixed(3)}
          </Badge>
        )}
      </Group>
      <div style={{ width: '100%', height: 130 }}>
        <ResponsiveContainer>
          <AreaChart data={data} margin={{ top: 4, right: 4, bottom: 0, left: -24 }}>
            <CartesianGrid strokeDasharray="2 4" vertical={false} />
            <XAxis dataKey="x" tickFormatter={fmt} fontSize={10} interval="preserveStartEnd" minTickGap={16} />
            <YAxis fontSize={10} allowDecimals={false} />
            <Tooltip formatter={(v, name) => [v, name === 'a' ? labelA : labelB]} labelFormatter={(x) => fmt(Number(x))} />
            <Legend formatter={(name) => (name === 'a' ? labelA : labelB)} wrapperStyle={{ fontSize: 10 }} />
            <Area type="step" dataKey="a" stroke="var(--mantine-color-gray-6)" fill="var(--mantine-color-gray-5)" fillOpacity={0.35} isAnimationActive={false} />
            <Area type="step" dataKey="b" stroke="var(--mantine-color-indigo-6)" fill="var(--mantine-color-indigo-5)" fillOpacity={0.35} isAnimationActive={false} />
          </AreaChart>
        </ResponsiveContainer>
      </div>
    </Paper>
  );
}

const ksColumns: Column<FeatureDiff>[] = [
  { key: 'feature', header: 'Feature', cell: (d) => <Code>{d.feature}</Code> },
  { key: 'n', header: 'n (other / this)', cell: (d) => `${d.countA} / ${d.countB}`, nowrap: true },
  { key: 'mean', header: 'Mean (other → this)', cell: (d) => (d.meanA === null || d.meanB === null ? '—' : `${fmt(d.meanA)} → ${fmt(d.meanB)}`), nowrap: true },
  { key: 'ks', header: 'KS D', cell: (d) => (d.ks ? d.ks.statistic.toFixed(3) : '—'), sortValue: (d) => d.ks?.statistic ?? -1, align: 'right' },
  { key: 'p', header: 'p', cell: (d) => (d.ks ? (d.ks.pValue < 0.001 ? '<0.001' : d.ks.pValue.toFixed(3)) : '—'), sortValue: (d) => d.ks?.pValue ?? 2, align: 'right' },
];

export function DatasetDiff({ projectId, dataset, versionId, manifestHash }: { projectId: string; dataset: string; versionId: string; manifestHash: string }) {
  const siblings = useGql(ProjectDatasetsDocument, { projectId, dataset });
  const others = useMemo(() => (siblings.data?.project.datasetVersions.edges.map((e) => e.node) ?? []).filter((v) => v.id !== versionId), [siblings.data, versionId]);
  const [other, setOther] = useState<string | null>(null);
  const diff = useGql(DiffDatasetVersionsDocument, { a: other ?? '', b: versionId }, { enabled: !!other });
  const d = diff.data?.diffDatasetVersions as ManifestDiff | undefined;
  const otherV = others.find((v) => v.id === other);
  const labelA = otherV ? otherV.manifestHash.slice(0, 8) : 'other';
  const labelB = manifestHash.slice(0, 8);
  return (
    <Paper withBorder p="md" component="section" aria-label="Compare with another version">
      <Stack gap="xs">
        <Title order={2} size="h5">
          Compare with another version
        </Title>
        {siblings.isPending ? (
          <LoadingState label="Loading versions…" rows={1} />
        ) : others.length === 0 ? (
          <Text size="sm" c="dimmed">
            This is the only version of “{dataset}”.
          </Text>
        ) : (
          <Select
            label="Other version"
            placeholder="Choose a version"
            data={others.map((v) => ({ value: v.id, label: `${v.manifestHash.slice(0, 12)} · ${v.volumeCount} volumes${v.tags.length ? ` · ${v.tags.join(', ')}` : ''}` }))}
            value={other}
            onChange={setOther}
            maw={420}
            comboboxProps={{ withinPortal: true }}
          />
        )}
        {other && (diff.isPending ? <LoadingState label="Comparing…" rows={2} /> : diff.error ? <ErrorState error={diff.error} /> : d && <DiffResult d={d} labelA={labelA} labelB={labelB} />)}
      </Stack>
    </Paper>
  );
}

function DiffResult({ d, labelA, labelB }: { d: ManifestDiff; labelA: string; labelB: string }) {
  const charted = CHARTED.map((f) => d.features.find((x) => x.feature === f)).filter((x): x is FeatureDiff => !!x && (x.countA > 0 || x.countB > 0));
  const volCols: Column<ManifestDiff['added'][number]>[] = [
    { key: 'subject', header: 'Subject', cell: (v) => v.subjectIndex },
    { key: 'cohort', header: 'Cohort', cell: (v) => <Code>{v.cohortId.slice(0, 8)}</Code> },
    { key: 'sha', header: 'Image sha256', cell: (v) => <Code>{v.imageSha256.slice(0, 12)}…</Code> },
  ];
  return (
    <Stack gap="sm" data-testid="diff-result">
      <Group gap="xs">
        <Badge color="teal" variant="light" data-testid="diff-added">+{d.added.length} added</Badge>
        <Badge color="red" variant="light" data-testid="diff-removed">−{d.removed.length} removed</Badge>
        <Badge color="gray" variant="light" data-testid="diff-unchanged">{d.unchanged} unchanged</Badge>
        {d.reviewChanged.length > 0 && <Badge color="yellow" variant="light">{d.reviewChanged.length} review changed</Badge>}
      </Group>
      <Text size="xs" c="dimmed">
        Grey: {labelA} (other); blue: {labelB} (this). KS: two-sample Kolmogorov–Smirnov statistic D and its p-value (orange when p &lt; 0.05).
      </Text>
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="sm">
        {charted.map((f) => (
          <Overlaid key={f.feature} d={f} labelA={labelA} labelB={labelB} />
        ))}
      </SimpleGrid>
      <DataTable columns={ksColumns} rows={d.features.filter((f) => f.countA > 0 || f.countB > 0)} rowKey={(f) => f.feature} testId="diff-ks" minWidth={520} verticalSpacing={4} fz="sm" initialSort={{ key: 'ks', asc: false }} />
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Stack gap={4}>
          <Text size="sm" fw={600}>
            Added volumes
          </Text>
          <DataTable columns={volCols} rows={d.added} rowKey={(v) => `${v.id}:${v.imageSha256}`} testId="diff-added-table" minWidth={300} verticalSpacing={2} fz="xs" empty={<Text size="xs" c="dimmed">None.</Text>} />
        </Stack>
        <Stack gap={4}>
          <Text size="sm" fw={600}>
            Removed volumes
          </Text>
          <DataTable columns={volCols} rows={d.removed} rowKey={(v) => `${v.id}:${v.imageSha256}`} testId="diff-removed-table" minWidth={300} verticalSpacing={2} fz="xs" empty={<Text size="xs" c="dimmed">None.</Text>} />
        </Stack>
      </SimpleGrid>
    </Stack>
  );
}
