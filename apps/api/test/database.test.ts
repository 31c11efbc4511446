// Invariants the database itself enforces, whatever the application does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { parseSamplerSettings } from '@slicewise/models';
import { appliedMigrations, migrationNames, repoRoot } from '@slicewise/db/server';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
let ids: { team: string; project: string; user: string; dist: string; dv: string; model: string; cohort: string; volume: string; dataset: string };

beforeAll(async () => {
  h = await startHarness();
  const [u] = await h.sql(`INSERT INTO "User"(id, email, name, "passwordHash") VALUES (gen_random_uuid(), 'db@example.org', 'D', 'x') RETURNING id`);
  const [t] = await h.sql(`INSERT INTO "Team"(id, slug, name) VALUES (gen_random_uuid(), 'db-team', 'T') RETURNING id`);
  const [p] = await h.sql(`INSERT INTO "Project"(id, "teamId", slug, name) VALUES (gen_random_uuid(), $1, 'p', 'P') RETURNING id`, [t.id]);
  const [d] = await h.sql(`INSERT INTO "ConditionDistribution"(id, "teamId", "projectId", name) VALUES (gen_random_uuid(), $1, $2, 'd') RETURNING id`, [t.id, p.id]);
  const [dv] = await h.sql(`INSERT INTO "DistributionVersion"(id, "distributionId", version, spec, "specHash") VALUES (gen_random_uuid(), $1, 1, '{}', 'h') RETURNING id`, [d.id]);
  const [m] = await h.sql(`INSERT INTO "Model"(id, name, version, metadata, "fileHashes") VALUES (gen_random_uuid(), 'm', '1', '{}', '{}') RETURNING id`);
  const [c] = await h.sql(
    `INSERT INTO "Cohort"(id, "teamId", "projectId", "distributionVersionId", "modelId", name, size, seed, "samplerSettings", status)
     VALUES (gen_random_uuid(), $1, $2, $3, $4, 'c', 2, 7, '{}', 'QUEUED') RETURNING id`,
    [t.id, p.id, dv.id, m.id],
  );
  const [v] = await h.sql(`INSERT INTO "Volume"(id, "cohortId", "subjectIndex", seed) VALUES (gen_random_uuid(), $1, 0, 1) RETURNING id`, [c.id]);
  const [ds] = await h.sql(`INSERT INTO "DatasetVersion"(id, "projectId", "manifestHash", manifest, "volumeCount") VALUES (gen_random_uuid(), $1, 'abc', '{}', 1) RETURNING id`, [p.id]);
  await h.sql(`INSERT INTO "DatasetVersionVolume"("datasetVersionId", "volumeId") VALUES ($1, $2)`, [ds.id, v.id]);
  await h.sql(`INSERT INTO "AuditEvent"(action, "targetType", "teamId") VALUES ('x', 'y', $1)`, [t.id]);
  ids = { team: t.id, project: p.id, user: u.id, dist: d.id, dv: dv.id, model: m.id, cohort: c.id, volume: v.id, dataset: ds.id };
});
afterAll(() => h.close());

describe('database invariants', () => {
  it('all migrations are applied to the template (prisma migrate deploy ran)', async () => {
    expect(await appliedMigrations(h.dbUrl)).toEqual(migrationNames());
    expect(migrationNames().length).toBeGreaterThanOrEqual(2);
  });

  it('audit events are append-only: UPDATE, DELETE and TRUNCATE are rejected', async () => {
    await expect(h.sql(`UPDATE "AuditEvent" SET action = 'forged'`)).rejects.toThrow(/UPDATE on "AuditEvent" is not allowed/);
    await expect(h.sql(`DELETE FROM "AuditEvent"`)).rejects.toThrow(/DELETE on "AuditEvent" is not allowed/);
    await expect(h.sql(`TRUNCATE "AuditEvent"`)).rejects.toThrow(/append-only/);
    expect((await h.sql(`SELECT action FROM "AuditEvent"`)).map((r) => r.action)).toEqual(['x']);
  });

  it('dataset versions and their volume lists are immutable', async () => {
    await expect(h.sql(`UPDATE "DatasetVersion" SET "volumeCount" = 5`)).rejects.toThrow(/dataset versions are immutable/);
    await expect(h.sql(`DELETE FROM "DatasetVersion"`)).rejects.toThrow(/dataset versions are immutable/);
    await expect(h.sql(`DELETE FROM "DatasetVersionVolume"`)).rejects.toThrow(/dataset versions are immutable/);
    await expect(
      h.sql(`INSERT INTO "DatasetVersion"(id, "projectId", "manifestHash", manifest, "volumeCount") VALUES (gen_random_uuid(), $1, 'abc', '{}', 1)`, [ids.project]),
    ).rejects.toThrow(/unique/i);
  });

  it('a distribution version never changes and cannot be deleted while a cohort uses it', async () => {
    await expect(h.sql(`UPDATE "DistributionVersion" SET spec = '{"x":1}'`)).rejects.toThrow(/distribution versions are immutable/);
    await expect(h.sql(`DELETE FROM "DistributionVersion" WHERE id = $1`, [ids.dv])).rejects.toThrow(/foreign key/i);
  });

  it('a volume is unique per (cohort, subject index)', async () => {
    await expect(h.sql(`INSERT INTO "Volume"(id, "cohortId", "subjectIndex", seed) VALUES (gen_random_uuid(), $1, 0, 2)`, [ids.cohort])).rejects.toThrow(
      /Volume_cohortId_subjectIndex_key/,
    );
    await expect(h.sql(`INSERT INTO "Volume"(id, "cohortId", "subjectIndex", seed) VALUES (gen_random_uuid(), $1, -1, 2)`, [ids.cohort])).rejects.toThrow(
      /volume_subject_index_non_negative/,
    );
  });

  it('value checks: lowercase emails, positive cohort sizes', async () => {
    await expect(h.sql(`INSERT INTO "User"(id, email, name, "passwordHash") VALUES (gen_random_uuid(), 'Upper@Example.org', 'U', 'x')`)).rejects.toThrow(
      /user_email_lowercase/,
    );
    await expect(h.sql(`UPDATE "Cohort" SET size = 0`)).rejects.toThrow(/cohort_size_positive/);
  });

  it('the sampler-settings migration completes settings stored before request-time resolution', async () => {
    const meta = { sampler_defaults: { sampler: 'ddim', num_inference_steps: 4, eta: 0, guidance_scale: 2, timestep_spacing: 'trailing', steps_offset: 1, set_alpha_to_one: false } };
    const [m] = await h.sql(`INSERT INTO "Model"(id, name, version, metadata, "fileHashes") VALUES (gen_random_uuid(), 'legacy', '1', $1, '{}') RETURNING id`, [JSON.stringify(meta)]);
    const insert = async (settings: object) =>
      (
        await h.sql(
          `INSERT INTO "Cohort"(id, "teamId", "projectId", "distributionVersionId", "modelId", name, size, seed, "samplerSettings", status)
           VALUES (gen_random_uuid(), $1, $2, $3, $4, 'legacy', 1, 7, $5, 'COMPLETED') RETURNING id`,
          [ids.team, ids.project, ids.dv, m.id, JSON.stringify(settings)],
        )
      )[0].id as string;
    const legacy = await insert({ sampler: 'ddim', steps: 10, eta: 1, guidanceScale: 3 });
    const empty = await insert({});
    const complete = { sampler: 'ddpm', numInferenceSteps: 7, eta: 0.5, guidanceScale: 1, timestepSpacing: 'leading', stepsOffset: 0, setAlphaToOne: true };
    const untouched = await insert(complete);
    const sql = fs.readFileSync(path.join(repoRoot, 'prisma/migrations/20261207000000_sampler_settings_complete/migration.sql'), 'utf8');
    await h.sql(sql);
    const settingsOf = async (id: string) => (await h.sql(`SELECT "samplerSettings" s FROM "Cohort" WHERE id = $1`, [id]))[0].s;
    expect(await settingsOf(legacy)).toEqual({ sampler: 'ddim', numInferenceSteps: 10, eta: 1, guidanceScale: 3, timestepSpacing: 'trailing', stepsOffset: 1, setAlphaToOne: false });
    expect(await settingsOf(empty)).toEqual({ sampler: 'ddim', numInferenceSteps: 4, eta: 0, guidanceScale: 2, timestepSpacing: 'trailing', stepsOffset: 1, setAlphaToOne: false });
    expect(await settingsOf(untouched)).toEqual(complete);
    // what the migration writes is what the worker accepts
    for (const id of [legacy, empty]) expect(parseSamplerSettings(await settingsOf(id), { name: 'legacy', schedule: { num_train_timesteps: 1000 }, conditioning: { null_condition: {} } })).toBeTruthy();
  });
});
