'use client';
// Quality control on the cohort page and in the viewer (issue 14): a volume's verdict with its reasons,
// the settings a cohort runs, and every try of a volume with its checks (measured vs limit).
import { Badge, Group, Stack, Table, Text, Tooltip } from '@mantine/core';
import type { QcSettingsFieldsFragment, QcStatus, VolumeQcFieldsFragment } from '@/generated/gql/graphql';
import { QC_STATUS_LABEL } from '@/lib/qc';
import { FEATURE_LABEL, type Feature } from '@/lib/spec';
import { formatFeature, type UnitModel } from '@/lib/units';

const QC_COLOR: Record<QcStatus, string> = { PASSED: 'teal', FAILED: 'orange', NOT_RUN: 'gray' };

/** A volume's QC verdict; the reasons (failed) or why it did not run in a tooltip, and as text for screen readers. */
export function QcBadge({ qc }: { qc: { status: QcStatus; reasons: readonly string[]; notRunReason?: string | null; tries: readonly unknown[] } | null | undefined }) {
  if (!qc) return null;
  const tries = qc.tries.length;
  const detail = qc.status === 'FAILED' ? qc.reasons.join('; ') : qc.status === 'NOT_RUN' ? (qc.notRunReason ?? '') : tries > 1 ? `passed on try ${tries}` : '';
  const badge = (
    <Badge color={QC_COLOR[qc.status]} variant={qc.status === 'FAILED' ? 'filled' : 'light'} size="sm" tt="none" style={{ minWidth: 'max-content' }} data-testid="qc-badge" data-qc={qc.status} data-reasons={detail}>
      {QC_STATUS_LABEL[qc.status]}
      {tries > 1 ? ` · ${tries} tries` : ''}
    </Badge>
  );
  return detail ? (
    <Tooltip label={detail} multiline maw={360} withArrow events={{ hover: true, focus: true, touch: true }}>
      <span tabIndex={0} aria-label={`${QC_STATUS_LABEL[qc.status]}: ${detail}`}>
        {badge}
      </span>
    </Tooltip>
  ) : (
    badge
  );
}

/** The reasons under the badge in the volumes table (visible without hovering). */
export function QcReasons({ qc }: { qc: { status: QcStatus; reasons: readonly string[]; notRunReason?: string | null } | null | undefined }) {
  if (!qc) return null;
  const lines = qc.status === 'FAILED' ? qc.reasons : qc.status === 'NOT_RUN' && qc.notRunReason ? [qc.notRunReason] : [];
  if (!lines.length) return null;
  return (
    <Stack gap={0} maw={320} data-testid="qc-reasons">
      {lines.map((r, i) => (
        <Text key={i} size="xs" c={qc.status === 'FAILED' ? 'orange.8' : 'dimmed'} style={{ overflowWrap: 'anywhere' }}>
          {r}
        </Text>
      ))}
    </Stack>
  );
}

/** What quality control a cohort runs, in one or two lines. */
export function QcSettingsSummary({ settings, model }: { settings: QcSettingsFieldsFragment | null | undefined; model: UnitModel }) {
  if (!settings) {
    return (
      <Text size="sm" c="dimmed" data-testid="cohort-qc-settings" data-enabled="none">
        Quality control: none recorded (requested before quality control existed).
      </Text>
    );
  }
  if (!settings.enabled) {
    return (
      <Text size="sm" data-testid="cohort-qc-settings" data-enabled="false">
        Quality control off: {settings.disabledReason ?? 'not run'}
      </Text>
    );
  }
  const tol = settings.tolerances.map((t) => `${FEATURE_LABEL[t.feature as Feature] ?? t.feature} ± ${t.abs}${physical(model, t.feature, t.abs)}`);
  return (
    <Stack gap={0} data-testid="cohort-qc-settings" data-enabled="true" data-max-tries={settings.maxTries}>
      <Text size="sm">
        Quality control on: up to {settings.maxTries} {settings.maxTries === 1 ? 'try' : 'tries'} per volume · tumour of at least {settings.minTumourVoxels} voxels
        {settings.brainOutline && <> · brain-outline Dice ≥ {settings.brainOutline.minDice}</>}
        {settings.intensity && <> · in-brain intensity percentiles {settings.intensity.percentiles.join('/')} in the training range</>}
      </Text>
      {tol.length > 0 && (
        <Text size="xs" c="dimmed">
          Tolerances (|measured − requested|, normalised): {tol.join(', ')}
        </Text>
      )}
    </Stack>
  );
}

function physical(model: UnitModel, feature: string, abs: number): string {
  const s = formatFeature(model, feature as Feature, abs);
  return s === abs.toFixed(3) ? '' : ` (${s})`;
}

const fmtMeasured = (x: number | null | undefined) => (x === null || x === undefined ? '—' : Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3));

/** Every try of a volume: its checks (measured vs limit, passed or why not) and which try's files were kept. */
export function QcTries({ qc }: { qc: VolumeQcFieldsFragment }) {
  return (
    <Stack gap="xs" data-testid="qc-tries">
      <Group gap={6}>
        <QcBadge qc={qc} />
        {qc.tries.length > 0 && (
          <Text size="xs" c="dimmed">
            Kept: try {qc.acceptedTry + 1} of {qc.tries.length}
          </Text>
        )}
      </Group>
      {qc.status === 'NOT_RUN' && (
        <Text size="sm" data-testid="qc-not-run">
          Not run: {qc.notRunReason ?? 'no reason recorded'}
        </Text>
      )}
      {qc.status === 'FAILED' && qc.reasons.length > 0 && (
        <Text size="sm" c="orange.8" data-testid="qc-failed-reasons">
          Every try failed; the kept one because: {qc.reasons.join('; ')}
        </Text>
      )}
      {qc.tries.map((t) => (
        <div key={t.index} data-testid="qc-try" data-index={t.index} data-passed={t.passed} data-kept={t.index === qc.acceptedTry}>
          <Text size="xs" fw={600}>
            Try {t.index + 1}
            {t.index === qc.acceptedTry ? ' (kept)' : ''} · {t.passed ? 'passed' : 'failed'} · noise {t.noiseKey === 0 ? "the volume's own" : `derived stream ${t.noiseKey}`} <Text span c="dimmed" size="xs">({t.rng})</Text>
          </Text>
          <Table fz="xs" withRowBorders={false} verticalSpacing={1} horizontalSpacing={4}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Check</Table.Th>
                <Table.Th>Measured</Table.Th>
                <Table.Th>Limit</Table.Th>
                <Table.Th>Result</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {t.checks.map((c, i) => (
                <Table.Tr key={i} data-testid="qc-check" data-check={c.name} data-passed={c.passed}>
                  <Table.Td>{c.name}</Table.Td>
                  <Table.Td>{fmtMeasured(c.measured)}</Table.Td>
                  <Table.Td style={{ overflowWrap: 'anywhere' }}>{c.limit}</Table.Td>
                  <Table.Td c={c.passed ? 'teal.8' : 'orange.8'} style={{ overflowWrap: 'anywhere' }}>
                    {c.passed ? 'passed' : (c.reason ?? 'failed')}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      ))}
    </Stack>
  );
}
