'use client';
// Live preview of a spec: one histogram per feature in physical units, and the sampled centroids
// over an axial outline of the model's brain mask. Charts by recharts.
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis, ZAxis } from 'recharts';
import { Badge, Group, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useMemo } from 'react';
import { FEATURE_LABEL, outlineCells, UNIT_LABEL, type FeatureHistogram } from '@/lib/spec';

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(1) : v.toPrecision(2));

export function FeatureHistograms({ histograms }: { histograms: FeatureHistogram[] }) {
  return (
    <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="sm">
      {histograms.map((h) => {
        const data = h.counts.map((count, i) => ({ x: (h.physicalEdges[i]! + h.physicalEdges[i + 1]!) / 2, count }));
        const unit = UNIT_LABEL[h.physicalUnit];
        return (
          <Paper withBorder p="xs" key={h.feature} data-testid={`histogram-${h.feature}`} data-counts={h.counts.join(',')} aria-label={`Histogram of ${FEATURE_LABEL[h.feature]}`}>
            <Text size="xs" fw={600}>
              {FEATURE_LABEL[h.feature]}
              {unit && ` (${unit}${h.physicalApproximate ? ', approx.' : ''})`}
            </Text>
            <div style={{ width: '100%', height: 120 }}>
              <ResponsiveContainer>
                <BarChart data={data} margin={{ top: 4, right: 4, bottom: 0, left: -24 }} barCategoryGap={1}>
                  <CartesianGrid strokeDasharray="2 4" vertical={false} />
                  <XAxis dataKey="x" tickFormatter={fmt} fontSize={10} interval="preserveStartEnd" minTickGap={16} />
                  <YAxis fontSize={10} allowDecimals={false} />
                  <Tooltip formatter={(v) => [v, 'draws']} labelFormatter={(x) => `${fmt(Number(x))} ${unit}`} />
                  <Bar dataKey="count" fill="var(--mantine-color-indigo-5)" isAnimationActive={false} />
                </BarChart>
              </ResponsiveContainer>
            </div>
          </Paper>
        );
      })}
    </SimpleGrid>
  );
}

/** Centroids (x, y of each sampled vector, relative) on the projection grid, over the brain outline. */
export function CentroidScatter({ vectors, projection }: { vectors: number[][]; projection: { width: number; height: number; rows: string[] } | null }) {
  const outline = useMemo(() => (projection ? outlineCells(projection.rows) : []), [projection]);
  const w = projection?.width ?? 1;
  const h = projection?.height ?? 1;
  const points = vectors.map((v) => ({ x: v[3]! * w, y: v[4]! * h }));
  return (
    <Paper withBorder p="xs" data-testid="centroid-scatter" data-points={points.length}>
      <Text size="xs" fw={600}>
        Tumour centroids, axial view {projection ? '(grey: brain outline)' : '(no brain mask in this model)'}
      </Text>
      <div style={{ width: '100%', maxWidth: 360, aspectRatio: `${w} / ${h}`, margin: '0 auto' }}>
        <ResponsiveContainer>
          <ScatterChart margin={{ top: 8, right: 8, bottom: 8, left: -24 }}>
            <XAxis type="number" dataKey="x" domain={[0, w]} hide />
            <YAxis type="number" dataKey="y" domain={[0, h]} reversed hide />
            <ZAxis range={[10, 10]} />
            <Scatter data={outline} fill="var(--mantine-color-gray-5)" isAnimationActive={false} shape="square" legendType="none" />
            <Scatter data={points} fill="var(--mantine-color-red-6)" fillOpacity={0.45} isAnimationActive={false} />
          </ScatterChart>
        </ResponsiveContainer>
      </div>
    </Paper>
  );
}

export function PreviewSummary({ n, millis, rejections }: { n: number; millis: number | null | undefined; rejections: { total?: number; byReason?: Record<string, number> } | null }) {
  const by = Object.entries(rejections?.byReason ?? {}).sort((a, b) => b[1] - a[1]);
  return (
    <Stack gap={4}>
      <Title order={3} size="h5">
        Preview of {n} draws{millis != null && <Text span size="xs" c="dimmed">{` · ${millis.toFixed(0)} ms`}</Text>}
      </Title>
      <Group gap={6}>
        <Text size="xs" c="dimmed">
          Redrawn: {rejections?.total ?? 0}
        </Text>
        {by.slice(0, 6).map(([reason, count]) => (
          <Badge key={reason} size="xs" variant="outline" color="orange" tt="none">
            {reason}: {count}
          </Badge>
        ))}
      </Group>
    </Stack>
  );
}
