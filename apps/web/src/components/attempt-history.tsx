// Every attempt at generating one volume (Volume.attemptHistory): which worker, when, how it ended and why.
// Interruptions (a worker lost, the database away, a shutdown) are told apart from generation failures: only
// failures use the retry budget, so a volume with many interruptions can still have succeeded.
import { Badge, Text } from '@mantine/core';
import type { VolumeQuery } from '@/generated/gql/graphql';
import { DataTable } from '@/components/data-table';
import { formatDate } from '@/components/page-header';

type Attempt = NonNullable<VolumeQuery['volume']>['attemptHistory'][number];

const OUTCOME_COLOR: Record<string, string> = { SUCCEEDED: 'teal', RUNNING: 'blue', FAILED: 'red', CANCELLED: 'gray', INTERRUPTED: 'yellow', SUPERSEDED: 'gray' };
const colorOf = (outcome: string) => OUTCOME_COLOR[outcome] ?? 'gray';

export function AttemptHistory({ attempts }: { attempts: readonly Attempt[] }) {
  if (attempts.length === 0) return <Text size="sm" c="dimmed">No attempt yet: the volume is waiting for a worker.</Text>;
  const seconds = (a: Attempt) => (a.endedAt ? `${((Date.parse(a.endedAt) - Date.parse(a.startedAt)) / 1000).toFixed(1)} s` : 'running');
  return (
    <DataTable
      columns={[
        { key: 'n', header: '#', cell: (a: Attempt) => (a.round > 0 ? `${a.number} (retry ${a.round})` : String(a.number)), nowrap: true },
        { key: 'worker', header: 'Worker', cell: (a: Attempt) => <Text size="xs" title={a.host}>{a.workerId}</Text> },
        { key: 'started', header: 'Started', cell: (a: Attempt) => formatDate(a.startedAt), nowrap: true },
        { key: 'took', header: 'Took', cell: seconds, nowrap: true },
        {
          key: 'outcome',
          header: 'Outcome',
          cell: (a: Attempt) => (
            <>
              <Badge size="sm" variant="light" color={colorOf(a.outcome)}>
                {a.outcome.toLowerCase().replaceAll('_', ' ')}
              </Badge>
              {a.reason && (
                <Text size="xs" c="dimmed">
                  {a.reason}
                </Text>
              )}
            </>
          ),
        },
      ]}
      rows={attempts}
      rowKey={(a) => String(a.number)}
      testId="attempt-history"
      fz="sm"
      verticalSpacing={4}
    />
  );
}
