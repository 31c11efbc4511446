'use client';
// Which team the shell's switcher and navigation show: the team in the URL, else the one a page
// reports (a project page knows its team), else the last one used on this device.
import { createContext, useContext, useEffect } from 'react';
import type { Role, TeamAction } from '@/generated/gql/graphql';

export const TEAM_STORAGE_KEY = 'slicewise.teamId';

/**
 * `role` and `permissions` are yours in that team. Pages whose objects do not name their team use them to
 * hide buttons; the API still checks every write against the object's real team.
 */
export const CurrentTeamContext = createContext<{ teamId: string | null; role: Role | null; permissions: readonly TeamAction[] | null; setTeamId: (id: string) => void }>({
  teamId: null,
  role: null,
  permissions: null,
  setTeamId: () => {},
});

export function useCurrentTeam() {
  return useContext(CurrentTeamContext);
}

/** Pages call this with the team they show so the switcher follows. */
export function useReportTeam(teamId: string | null | undefined) {
  const { setTeamId } = useCurrentTeam();
  useEffect(() => {
    if (teamId) setTeamId(teamId);
  }, [teamId, setTeamId]);
}
