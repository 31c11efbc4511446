// Row -> GraphQL object mappers of this feature (global IDs are made with graphql/relay.ts toGlobalId).
import { qcDefaultsOf, samplerDefaultsOf, samplerLimits } from '@slicewise/models';
import { qcSettingsNode } from './qc.types.ts';
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
    purpose: m.purpose ?? 'demo',
    isDefault: m.default === true,
    qcDefaults: qcSettingsNode(qcDefaultsOf(m)),
    calibration: m.calibration
      ? {
          version: m.calibration.version,
          method: m.calibration.method,
          features: [...Object.keys(m.calibration.maps), ...(m.calibration.rules ?? []).map((r) => r.target)],
          fittedOn: m.calibration.fitted_on,
          effect: (m.calibration.effect as Record<string, unknown> | undefined) ?? null,
        }
      : null,
    fileHashes: r.fileHashes,
    metrics: m.metrics ?? null,
    registeredAt: r.registeredAt,
  });
};
