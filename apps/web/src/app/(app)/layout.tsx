'use client';
// The signed-in frame: header with the team switcher and account menu, navigation for the team.
import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import Link from 'next/link';
import { useParams, usePathname, useRouter } from 'next/navigation';
import { useQueryClient } from '@tanstack/react-query';
import { AppShell, Avatar, Burger, Group, Menu, NavLink, ScrollArea, Select, Text, UnstyledButton } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { SignOutDocument, TeamAction, ViewerDocument } from '@/generated/gql/graphql';
import { gqlRequest } from '@/lib/graphql-client';
import { useGql } from '@/lib/hooks';
import { can } from '@/lib/permissions';
import { isSignedOut, signInHref } from '@/lib/session';
import { CurrentTeamContext, TEAM_STORAGE_KEY } from '@/components/current-team';
import { ErrorState, FullPageLoader } from '@/components/states';

export default function SignedInLayout({ children }: { children: ReactNode }) {
  const router = useRouter();
  const pathname = usePathname();
  const params = useParams<{ teamId?: string }>();
  const queryClient = useQueryClient();
  const [navOpen, { toggle: toggleNav, close: closeNav }] = useDisclosure(false);
  const viewer = useGql(ViewerDocument, {});

  const [reportedTeam, setReportedTeam] = useState<string | null>(null);
  useEffect(() => {
    if (!reportedTeam) setReportedTeam(window.localStorage.getItem(TEAM_STORAGE_KEY));
  }, [reportedTeam]);
  const setTeamId = useCallback((id: string) => {
    setReportedTeam(id);
    window.localStorage.setItem(TEAM_STORAGE_KEY, id);
  }, []);
  const teams = useMemo(() => viewer.data?.teams.edges.map((e) => e.node) ?? [], [viewer.data]);
  const candidate = params.teamId ? decodeURIComponent(params.teamId) : reportedTeam;
  const team = teams.find((t) => t.id === candidate) ?? null;

  useEffect(() => closeNav(), [pathname, closeNav]);
  // Signed out (or the session expired): to the sign-in page, and back here afterwards.
  const signedOut = isSignedOut(viewer);
  useEffect(() => {
    if (signedOut) router.replace(signInHref(`${pathname}${window.location.search}`));
  }, [signedOut, router, pathname]);

  const ctx = useMemo(() => ({ teamId: team?.id ?? null, role: team?.viewerRole ?? null, permissions: team?.viewerPermissions ?? null, setTeamId }), [team, setTeamId]);

  if (viewer.isPending || signedOut) return <FullPageLoader />;
  if (viewer.error)
    return (
      <main style={{ padding: 24 }}>
        <ErrorState error={viewer.error} onRetry={() => void viewer.refetch()} title="Could not load your account" />
      </main>
    );
  const me = viewer.data.viewer!;

  async function signOut() {
    try {
      await gqlRequest(SignOutDocument, {});
    } finally {
      queryClient.clear();
      window.localStorage.removeItem(TEAM_STORAGE_KEY);
      router.replace('/sign-in');
    }
  }

  const teamHref = (suffix = '') => (team ? `/teams/${encodeURIComponent(team.id)}${suffix}` : '/teams');
  const nav = team
    ? [
        { href: teamHref(), label: 'Projects', show: true },
        { href: teamHref('/members'), label: 'Members', show: true },
        { href: teamHref('/tokens'), label: 'API tokens', show: can(team.viewerPermissions, TeamAction.TokenList) },
        { href: teamHref('/audit'), label: 'Audit log', show: can(team.viewerPermissions, TeamAction.AuditRead) },
        // Everyone sees the settings; only owners and admins get controls to change them.
        { href: teamHref('/settings'), label: 'Settings', show: true },
      ]
    : [];

  return (
    <CurrentTeamContext.Provider value={ctx}>
      <AppShell header={{ height: 56 }} navbar={{ width: 240, breakpoint: 'sm', collapsed: { mobile: !navOpen } }} padding="md">
        <AppShell.Header>
          <Group h="100%" px="md" justify="space-between" wrap="nowrap">
            <Group gap="sm" wrap="nowrap">
              <Burger opened={navOpen} onClick={toggleNav} hiddenFrom="sm" size="sm" aria-label={navOpen ? 'Close navigation' : 'Open navigation'} />
              <Text component={Link} href="/teams" fw={700} size="lg" style={{ textDecoration: 'none', color: 'inherit' }}>
                Slicewise
              </Text>
            </Group>
            <Group gap="sm" wrap="nowrap">
              <Select
                aria-label="Team"
                data-testid="team-switcher"
                placeholder={teams.length ? 'Choose a team' : 'No team yet'}
                data={teams.map((t) => ({ value: t.id, label: t.name }))}
                value={team?.id ?? null}
                onChange={(id) => id && router.push(`/teams/${encodeURIComponent(id)}`)}
                allowDeselect={false}
                w={{ base: 150, sm: 220 }}
                size="sm"
                comboboxProps={{ withinPortal: true }}
              />
              <Menu position="bottom-end" withinPortal>
                <Menu.Target>
                  <UnstyledButton aria-label={`Account menu for ${me.name}`} data-testid="account-menu">
                    <Avatar radius="xl" size="md" color="indigo">
                      {initials(me.name)}
                    </Avatar>
                  </UnstyledButton>
                </Menu.Target>
                <Menu.Dropdown>
                  <Menu.Label>
                    {me.name}
                    <br />
                    {me.email}
                  </Menu.Label>
                  <Menu.Item component={Link} href="/teams">
                    All teams
                  </Menu.Item>
                  <Menu.Item color="red" onClick={() => void signOut()}>
                    Sign out
                  </Menu.Item>
                </Menu.Dropdown>
              </Menu>
            </Group>
          </Group>
        </AppShell.Header>
        <AppShell.Navbar p="sm" aria-label="Team navigation">
          <AppShell.Section grow component={ScrollArea}>
            {team ? (
              <>
                <Text size="xs" c="dimmed" tt="uppercase" fw={700} px="sm" pb={4}>
                  {team.name}
                </Text>
                {nav
                  .filter((n) => n.show)
                  .map((n) => (
                    <NavLink key={n.href} component={Link} href={n.href} label={n.label} active={pathname === n.href || decodeURIComponent(pathname) === decodeURIComponent(n.href)} />
                  ))}
              </>
            ) : (
              <Text size="sm" c="dimmed" px="sm">
                Choose or create a team.
              </Text>
            )}
          </AppShell.Section>
          <AppShell.Section>
            <NavLink component={Link} href="/teams" label="All teams" active={pathname === '/teams'} />
          </AppShell.Section>
        </AppShell.Navbar>
        <AppShell.Main>
          <div id="content" style={{ maxWidth: 1100, margin: '0 auto' }}>
            {children}
          </div>
        </AppShell.Main>
      </AppShell>
    </CurrentTeamContext.Provider>
  );
}

function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((p) => p[0]!.toUpperCase())
    .join('');
}
