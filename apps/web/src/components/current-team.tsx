'use client';
// Which team the shell's switcher and navigation show: the team in the URL, else the one a page
// reports (a project page knows its team), else the last one used on this device.
import { createContext, useContext, useEffect } from 'react';

export const TEAM_STORAGE_KEY = 'slicewise.teamId';

export const CurrentTeamContext = createContext<{ teamId: string | null; setTeamId: (id: string) => void }>({
  teamId: null,
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
