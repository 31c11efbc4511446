// Row -> GraphQL object mappers of this feature.
import type { MembershipRow, TeamRow } from './team.repository.ts';
import { Membership, RoleEnum, Team } from './team.types.ts';
import { nodeOf } from '../graphql/relay.ts';

export const teamNode = (r: TeamRow): Team => nodeOf(Team, 'Team', r);
export const membershipNode = (r: MembershipRow): Membership => nodeOf(Membership, 'Membership', r, { role: r.role as RoleEnum });
