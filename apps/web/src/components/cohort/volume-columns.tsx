'use client';
// The columns of a cohort's volumes table, in physical units (the model's voxel size of anatomy).
// Exported as a list so other features add theirs (a quality-control badge, say) without a new table.
import Link from 'next/link';
import { Anchor, Button, Text } from '@mantine/core';
import type { CohortQuery } from '@/generated/gql/graphql';
import { featureValue } from '@/lib/conditions';
import { formatFeature, toPhysical, type UnitModel } from '@/lib/units';
import type { Column } from '@/components/data-table';
import { ReviewBadge, VolumeStatusBadge } from '@/components/cohort-status';
import { QcBadge, QcReasons } from './qc';

export type CohortVolume = CohortQuery['cohort']['volumes']['edges'][number]['node'];

/** Distance between the requested and the measured centroid, mm (null without both, or without units). */
export function centroidShiftMm(model: UnitModel, v: Pick<CohortVolume, 'requestedCondition' | 'measuredCondition'>): number | null {
  let sum = 0;
  for (const f of ['x', 'y', 'z'] as const) {
    const a = toPhysical(model, f, featureValue(v.requestedCondition, f));
    const b = toPhysical(model, f, featureValue(v.measuredCondition, f));
    if (!a || !b) return null;
    sum += (a.value - b.value) ** 2;
  }
  return Math.sqrt(sum);
}

export function volumeColumns(opts: { model: UnitModel; cohortId: string; canRetry: boolean; onRetry: (volumeId: string) => void }): Column<CohortVolume>[] {
  const { model } = opts;
  const vol = (rec: unknown) => featureValue(rec, 'voxel_volume');
  return [
    { key: 'index', header: '#', cell: (v) => v.subjectIndex, sortValue: (v) => v.subjectIndex },
    {
      key: 'status',
      header: 'Status',
      sortValue: (v) => v.status,
      cell: (v) => (
        <>
          <VolumeStatusBadge status={v.status} />
          {/* a QC_FAILED volume's reasons are in the quality-control column */}
          {v.error && v.status !== 'QC_FAILED' && (
            <Text size="xs" c="red" maw={260} style={{ overflowWrap: 'anywhere' }}>
              {v.error} (attempt {v.attempts})
            </Text>
          )}
        </>
      ),
    },
    {
      key: 'qc',
      header: 'Quality control',
      sortValue: (v) => v.qc?.status ?? '',
      // the reasons under the badge: a failed volume says why without hovering
      cell: (v) =>
        v.qc ? (
          <>
            <QcBadge qc={v.qc} />
            <QcReasons qc={v.qc} />
          </>
        ) : (
          <Text size="xs" c="dimmed">
            not generated yet
          </Text>
        ),
    },
    { key: 'reqVolume', header: 'Volume requested', cell: (v) => formatFeature(model, 'voxel_volume', vol(v.requestedCondition)), sortValue: (v) => vol(v.requestedCondition) ?? -1, nowrap: true },
    { key: 'measVolume', header: 'Volume measured', cell: (v) => formatFeature(model, 'voxel_volume', vol(v.measuredCondition)), sortValue: (v) => vol(v.measuredCondition) ?? -1, nowrap: true },
    {
      key: 'sphericity',
      header: 'Sphericity req. / meas.',
      cell: (v) => `${formatFeature(model, 'sphericity', featureValue(v.requestedCondition, 'sphericity'))} / ${formatFeature(model, 'sphericity', featureValue(v.measuredCondition, 'sphericity'))}`,
      nowrap: true,
    },
    {
      key: 'centroid',
      header: 'Centroid shift',
      sortValue: (v) => centroidShiftMm(model, v) ?? -1,
      cell: (v) => {
        const d = centroidShiftMm(model, v);
        return d === null ? '—' : `${d.toFixed(d >= 10 ? 0 : 1)} mm`;
      },
      nowrap: true,
    },
    { key: 'review', header: 'Review', cell: (v) => <ReviewBadge state={v.reviewState} />, sortValue: (v) => v.reviewState },
    {
      key: 'actions',
      header: 'Actions',
      srOnlyHeader: true,
      align: 'right',
      nowrap: true,
      // QC_FAILED volumes were generated too: their files are there to look at.
      cell: (v) =>
        v.status === 'SUCCEEDED' || v.status === 'QC_FAILED' ? (
          <Anchor component={Link} href={`/volumes/${encodeURIComponent(v.id)}?cohort=${encodeURIComponent(opts.cohortId)}`} size="sm">
            View
          </Anchor>
        ) : v.status === 'FAILED' && opts.canRetry ? (
          <Button size="xs" variant="subtle" onClick={() => opts.onRetry(v.id)}>
            Retry
          </Button>
        ) : null,
    },
  ];
}
