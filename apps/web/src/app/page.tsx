'use client';
// "/": signed in -> the last team used (or the team list); signed out -> sign in.
import { useEffect } from 'react';
import { useRouter } from 'next/navigation';
import { ViewerDocument } from '@/generated/gql/graphql';
import { useGql } from '@/lib/hooks';
import { isSignedOut } from '@/lib/session';
import { TEAM_STORAGE_KEY } from '@/components/current-team';
import { ErrorState, FullPageLoader } from '@/components/states';

export default function Home() {
  const router = useRouter();
  const viewer = useGql(ViewerDocument, {});
  const signedOut = isSignedOut(viewer);
  useEffect(() => {
    if (signedOut) return router.replace('/sign-in');
    if (!viewer.data) return;
    const teams = viewer.data.teams.edges.map((e) => e.node.id);
    const last = window.localStorage.getItem(TEAM_STORAGE_KEY);
    const team = last && teams.includes(last) ? last : teams[0];
    router.replace(team ? `/teams/${encodeURIComponent(team)}` : '/teams');
  }, [viewer.data, signedOut, router]);
  if (viewer.error && !signedOut) return <main style={{ padding: 24 }}><ErrorState error={viewer.error} onRetry={() => void viewer.refetch()} /></main>;
  return <FullPageLoader />;
}
