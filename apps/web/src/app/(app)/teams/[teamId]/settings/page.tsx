'use client';
// Team settings: general (name, approval threshold) and webhooks; each section is its own component
// (components/settings), editable only where the caller's role allows it.
import { useParams } from 'next/navigation';
import { Stack } from '@mantine/core';
import { TeamSettingsDocument } from '@/generated/gql/graphql';
import { useGql } from '@/lib/hooks';
import { PageHeader } from '@/components/page-header';
import { QueryGate } from '@/components/states';
import { useReportTeam } from '@/components/current-team';
import { GeneralSection } from '@/components/settings/general-section';
import { WebhooksSection } from '@/components/settings/webhooks-section';

export default function TeamSettingsPage() {
  const teamId = decodeURIComponent(useParams<{ teamId: string }>().teamId);
  const q = useGql(TeamSettingsDocument, { teamId });
  useReportTeam(q.data?.team.id);
  return (
    <QueryGate isPending={q.isPending} error={q.error} refetch={() => void q.refetch()} what="team">
      {() => (
        <>
          <PageHeader title="Team settings" subtitle={q.data!.team.name} />
          <Stack gap="xl">
            <GeneralSection team={q.data!.team} />
            <WebhooksSection team={q.data!.team} events={q.data!.webhookEvents} />
          </Stack>
        </>
      )}
    </QueryGate>
  );
}
