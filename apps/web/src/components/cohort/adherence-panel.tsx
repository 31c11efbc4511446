'use client';
// The cohort's adherence report (Cohort.adherence, @slicewise/datasets computeAdherence): per feature the bias,
// median and p90 absolute error of measured - requested (normalised units, the physical equivalent beside
// it), the QC pass rate and regenerations, and requested-vs-measured scatters (tumour volume; centroid x/y/z)
// with the identity line. Charts by recharts, as the distribution preview.
import { CartesianGrid, ReferenceLine, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';
import { Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { readAdherence, scatterSeries, type AdherenceReport } from '@/lib/qc';
import { FEATURE_LABEL, type Feature } from '@/lib/spec';
import { formatFeature, type UnitModel } from '@/lib/units';
import { DataTable } from '@/components/data-table';
import { Stat } from '@/components/stat';

const fmt = (x: number | null, digits = 3) => (x === null ? '—' : x.toFixed(digits));
const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(0)}%`);

export function AdherencePanel({ adherence, model }: { adherence: unknown; model: UnitModel }) {
  const a = readAdherence(adherence);
  if (!a) {
    return (
      <Paper withBorder p="md" data-testid="adherence-panel" data-state="unreadable">
        <Text size="sm" c="dimmed">
          No adherence report in a format this page reads.
        </Text>
      </Paper>
    );
  }
  const q = a.qc;
  return (
    <Paper withBorder p="md" data-testid="adherence-panel" data-volumes={a.counts.volumes} data-measured={a.counts.measured}>
      <Stack gap="sm">
        <div>
          <Title order={2} size="h4">
            Adherence: requested vs measured
          </Title>
          <Text size="xs" c="dimmed">
            Over {a.counts.measured} measured of {a.counts.volumes} volumes{a.counts.emptyMask ? `, ${a.counts.emptyMask} with an empty mask (left out of the per-feature errors)` : ''}. Error = measured − requested in
            the model&apos;s normalised units (physical equivalent in brackets).
          </Text>
        </div>
        <SimpleGrid cols={{ base: 2, sm: 4 }} data-testid="adherence-summary">
          <Stat label="QC pass rate" value={q.passRate === null ? 'not run' : pct(q.passRate)} detail={`${q.passed} passed, ${q.failed} failed, ${q.notRun} not run`} testId="adherence-pass-rate" />
          <Stat label="Regenerations" value={String(q.regenerations)} detail={`${q.tries} generations in all`} testId="adherence-regenerations" />
          <Stat label="Volume ratio (mean)" value={a.tumourVolume.meanRatio === null ? '—' : `${a.tumourVolume.meanRatio.toFixed(2)}×`} detail={`median |error| ${pct(a.tumourVolume.medianAbsRelError)}, p90 ${pct(a.tumourVolume.p90AbsRelError)}, ρ ${fmt(a.tumourVolume.spearmanRho, 2)}`} />
          <Stat label="Centroid error" value={a.centroidError.medianPctFov === null ? '—' : `${a.centroidError.medianPctFov.toFixed(1)}% FOV`} detail={`median; p90 ${a.centroidError.p90PctFov === null ? '—' : `${a.centroidError.p90PctFov.toFixed(1)}%`}`} />
        </SimpleGrid>
        <DataTable
          testId="adherence-table"
          rows={a.features}
          rowKey={(f) => f.feature}
          rowProps={(f) => ({ 'data-testid': 'adherence-row', 'data-feature': f.feature })}
          minWidth={560}
          fz="sm"
          verticalSpacing={4}
          columns={[
            { key: 'feature', header: 'Feature', cell: (f) => FEATURE_LABEL[f.feature as Feature] ?? f.feature },
            { key: 'n', header: 'n', cell: (f) => f.n, align: 'right' },
            { key: 'bias', header: 'Bias', cell: (f) => withUnit(model, f.feature, f.bias), nowrap: true, align: 'right' },
            { key: 'median', header: 'Median |error|', cell: (f) => withUnit(model, f.feature, f.medianAbsError), nowrap: true, align: 'right' },
            { key: 'p90', header: 'p90 |error|', cell: (f) => withUnit(model, f.feature, f.p90AbsError), nowrap: true, align: 'right' },
          ]}
        />
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }} spacing="sm">
          {(['voxel_volume', 'x', 'y', 'z'] as const).map((f) => (
            <IdentityScatter key={f} report={a} feature={f} model={model} />
          ))}
        </SimpleGrid>
        {a.scatter.shown < a.scatter.total && (
          <Text size="xs" c="dimmed">
            Scatter: {a.scatter.shown} of {a.scatter.total} volumes ({a.scatter.outliersKept} largest deviations always kept).
          </Text>
        )}
      </Stack>
    </Paper>
  );
}

function withUnit(model: UnitModel, feature: string, x: number | null): string {
  if (x === null) return '—';
  const p = formatFeature(model, feature as Feature, Math.abs(x));
  const n = x.toFixed(3);
  return p === Math.abs(x).toFixed(3) ? n : `${n} (${x < 0 ? '−' : ''}${p})`;
}

const tick = (v: number) => (Math.abs(v) >= 1 ? v.toFixed(1) : v.toFixed(2));

function IdentityScatter({ report, feature, model }: { report: AdherenceReport; feature: Feature; model: UnitModel }) {
  const { points, domain } = scatterSeries(report, feature);
  return (
    <Paper withBorder p="xs" data-testid={`adherence-scatter-${feature}`} data-points={points.length} aria-label={`${FEATURE_LABEL[feature]}: requested vs measured, ${points.length} volumes`}>
      <Text size="xs" fw={600}>
        {FEATURE_LABEL[feature]}
      </Text>
      <Text size="xs" c="dimmed">
        x requested, y measured (normalised); dashed: identity
      </Text>
      <div style={{ width: '100%', aspectRatio: '1 / 1', maxHeight: 240 }}>
        <ResponsiveContainer>
          <ScatterChart margin={{ top: 8, right: 8, bottom: 0, left: -20 }}>
            <CartesianGrid strokeDasharray="2 4" />
            <XAxis type="number" dataKey="requested" domain={domain} tickFormatter={tick} fontSize={10} name="requested" allowDataOverflow />
            <YAxis type="number" dataKey="measured" domain={domain} tickFormatter={tick} fontSize={10} name="measured" allowDataOverflow />
            <ReferenceLine segment={[{ x: domain[0], y: domain[0] }, { x: domain[1], y: domain[1] }]} stroke="var(--mantine-color-gray-6)" strokeDasharray="4 4" ifOverflow="hidden" />
            <Tooltip formatter={(v) => `${Number(v).toFixed(3)} (${formatFeature(model, feature, Number(v))})`} cursor={{ strokeDasharray: '3 3' }} />
            <Scatter data={points} fill="var(--mantine-color-indigo-6)" fillOpacity={0.6} isAnimationActive={false} />
          </ScatterChart>
        </ResponsiveContainer>
      </div>
    </Paper>
  );
}
