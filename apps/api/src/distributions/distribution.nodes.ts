// Row -> GraphQL object mappers of this feature.
import type { DistributionRow, VersionRow } from './distribution.repository.ts';
import { ConditionDistribution, DistributionVersion } from './distribution.types.ts';
import { nodeOf } from '../graphql/relay.ts';

export const distributionNode = (r: DistributionRow): ConditionDistribution => nodeOf(ConditionDistribution, 'ConditionDistribution', r);
export const versionNode = (r: VersionRow): DistributionVersion => nodeOf(DistributionVersion, 'DistributionVersion', r);
