'use client';
// An invitation link: shows the team and role before anything else; signed out, it offers sign-in or
// sign-up and comes back here; signed in, one button joins (the link is used up, audited by the API).
import Link from 'next/link';
import { useParams, useRouter } from 'next/navigation';
import { useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Group, Stack, Text } from '@mantine/core';
import { AcceptInvitationDocument, InvitationPreviewDocument, type InvitationState } from '@/generated/gql/graphql';
import { useGql } from '@/lib/hooks';
import { useMutationForm } from '@/lib/use-mutation-form';
import { roleLabel } from '@/lib/permissions';
import { AuthCard } from '@/components/auth-card';
import { FormErrors } from '@/components/form-errors';
import { formatDate } from '@/components/page-header';
import { ErrorState, FullPageLoader } from '@/components/states';

const CLOSED: Record<Exclude<InvitationState, 'PENDING'>, string> = {
  ACCEPTED: 'This invitation link was already used. Ask the team’s admin for a new one.',
  REVOKED: 'This invitation was revoked by the team’s admin. Ask them for a new one if you still need access.',
  EXPIRED: 'This invitation link has expired. Ask the team’s admin for a new one.',
};

export default function InvitePage() {
  const secret = decodeURIComponent(useParams<{ secret: string }>().secret);
  const router = useRouter();
  const queryClient = useQueryClient();
  const q = useGql(InvitationPreviewDocument, { secret });
  const accept = useMutationForm(AcceptInvitationDocument, { payload: (r) => r.acceptInvitation });
  const here = `/invite/${encodeURIComponent(secret)}`;

  if (q.isPending) return <FullPageLoader />;
  if (q.error) return <main style={{ padding: 24 }}><ErrorState error={q.error} onRetry={() => void q.refetch()} /></main>;
  const inv = q.data!.invitationPreview;
  const viewer = q.data!.viewer;
  if (!inv)
    return (
      <AuthCard title="Invitation not found" subtitle="Check that the whole link was copied.">
        <Alert color="red" role="alert" data-testid="invitation-invalid">
          This invitation link is not valid. Ask the team’s admin to send it again.
        </Alert>
      </AuthCard>
    );

  async function join() {
    const r = await accept.run({ secret });
    if (!r) return;
    await queryClient.invalidateQueries();
    router.replace(`/teams/${encodeURIComponent(r.team!.id)}`);
  }

  return (
    <AuthCard title={`Join ${inv.teamName}`} subtitle={<>{inv.invitedBy ? `${inv.invitedBy} invited you` : 'You are invited'} as {roleLabel(inv.role).toLowerCase()}.</>}>
      <Stack data-testid="invitation" data-state={inv.state}>
        {inv.state !== 'PENDING' ? (
          <Alert color="yellow" role="alert">
            {CLOSED[inv.state]}
          </Alert>
        ) : viewer ? (
          <>
            <Text size="sm">
              You are signed in as {viewer.name} ({viewer.email}). The link works once and until {formatDate(inv.expiresAt)}.
            </Text>
            <FormErrors errors={accept.general} />
            <Button onClick={() => void join()} loading={accept.pending} data-testid="accept-invitation">
              Join {inv.teamName} as {roleLabel(inv.role).toLowerCase()}
            </Button>
          </>
        ) : (
          <>
            <Text size="sm">Sign in, or create an account, to join. You come back here afterwards.</Text>
            <Group grow>
              <Button component={Link} href={`/sign-in?next=${encodeURIComponent(here)}`}>
                Sign in
              </Button>
              <Button component={Link} href={`/sign-up?next=${encodeURIComponent(here)}`} variant="default">
                Create an account
              </Button>
            </Group>
          </>
        )}
      </Stack>
    </AuthCard>
  );
}
