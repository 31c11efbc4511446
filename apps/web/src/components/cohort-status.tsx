'use client';
import { Badge } from '@mantine/core';
import type { CohortStatus, VolumeStatus, ReviewState } from '@/generated/gql/graphql';

const COHORT: Record<CohortStatus, { color: string; label: string }> = {
  AWAITING_APPROVAL: { color: 'yellow', label: 'awaiting approval' },
  QUEUED: { color: 'blue', label: 'queued' },
  RUNNING: { color: 'indigo', label: 'running' },
  COMPLETED: { color: 'teal', label: 'completed' },
  FAILED: { color: 'red', label: 'failed' },
  CANCELLED: { color: 'gray', label: 'cancelled' },
  REJECTED: { color: 'red', label: 'rejected' },
};
// QC_FAILED: generated, but every try failed quality control (issue 14 adds the reasons and panels).
const VOLUME: Record<VolumeStatus, string> = { PENDING: 'gray', RUNNING: 'indigo', SUCCEEDED: 'teal', FAILED: 'red', CANCELLED: 'gray', QC_FAILED: 'orange' };
const REVIEW: Record<ReviewState, string> = { UNREVIEWED: 'gray', ACCEPTED: 'teal', REJECTED: 'red' };

export const ACTIVE_COHORT: CohortStatus[] = ['AWAITING_APPROVAL', 'QUEUED', 'RUNNING'];

export function CohortStatusBadge({ status }: { status: CohortStatus }) {
  return (
    <Badge color={COHORT[status].color} variant="light" data-testid="cohort-status" style={{ minWidth: 'max-content' }}>
      {COHORT[status].label}
    </Badge>
  );
}
export function VolumeStatusBadge({ status }: { status: VolumeStatus }) {
  return (
    <Badge color={VOLUME[status]} variant="light" size="sm" style={{ minWidth: 'max-content' }}>
      {status.toLowerCase()}
    </Badge>
  );
}
export function ReviewBadge({ state }: { state: ReviewState }) {
  return (
    <Badge color={REVIEW[state]} variant="outline" size="sm" style={{ minWidth: 'max-content' }}>
      {state.toLowerCase()}
    </Badge>
  );
}
