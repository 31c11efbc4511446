// Row -> GraphQL object mappers of this feature (global IDs are made with graphql/relay.ts toGlobalId).
import { samplerDefaultsOf, samplerLimits } from '@slicewise/models';
import type { ModelRow } from './model.repository.ts';
import { Model } from './model.types.ts';
import { toGlobalId } from '../graphql/relay.ts';

export const modelNode = (r: ModelRow): Model => {
  const m = r.metadata;
  return Object.assign(new Model(), {
    id: toGlobalId('Model', r.id),
    rawId: r.id,
    name: r.name,
    version: r.version,
    description: m.description ?? null,
    volumeShapeDhw: m.volume?.shape_dhw ?? [],
    spacingMm: m.volume?.spacing_mm ?? [],
    conditioning: m.conditioning ?? {},
    samplerDefaults: samplerDefaultsOf(m),
    samplerLimits: samplerLimits(m),
    fileHashes: r.fileHashes,
    metrics: m.metrics ?? null,
    registeredAt: r.registeredAt,
  });
};
