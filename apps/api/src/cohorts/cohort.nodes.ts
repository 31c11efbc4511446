// Row -> GraphQL object mappers of this feature.
import type { CohortRow, VolumeRow } from './cohort.repository.ts';
import { Cohort, Volume } from './cohort.types.ts';
import { nodeOf } from '../graphql/relay.ts';

export const cohortNode = (r: CohortRow): Cohort => nodeOf(Cohort, 'Cohort', r, { seed: r.seed.toString() });

export const volumeNode = (r: VolumeRow): Volume =>
  nodeOf(Volume, 'Volume', r, {
    imageBytes: r.imageBytes === null ? null : Number(r.imageBytes),
    maskBytes: r.maskBytes === null ? null : Number(r.maskBytes),
    imageUrl: r.imageKey ? `/files/volumes/${r.id}/image.nii.gz` : null,
    maskUrl: r.maskKey ? `/files/volumes/${r.id}/mask.nii.gz` : null,
  });
