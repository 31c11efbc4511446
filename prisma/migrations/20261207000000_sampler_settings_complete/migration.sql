-- Sampler settings are resolved in full at request time (@slicewise/models sampler-settings.ts) and the
-- worker reads them as they are. Cohorts requested before that stored only the overrides
-- ({sampler, steps, eta, guidanceScale}); complete them from the model's declared defaults, exactly as the
-- worker used to at run time, so old cohorts replay and display the same settings.
UPDATE "Cohort" c
SET "samplerSettings" = jsonb_build_object(
  'sampler', COALESCE(c."samplerSettings"->>'sampler', m.metadata->'sampler_defaults'->>'sampler', 'ddim'),
  'numInferenceSteps', COALESCE((c."samplerSettings"->>'numInferenceSteps')::int, (c."samplerSettings"->>'steps')::int, (m.metadata->'sampler_defaults'->>'num_inference_steps')::int, 50),
  'eta', COALESCE((c."samplerSettings"->>'eta')::float8, (m.metadata->'sampler_defaults'->>'eta')::float8, 0),
  'guidanceScale', COALESCE((c."samplerSettings"->>'guidanceScale')::float8, (m.metadata->'sampler_defaults'->>'guidance_scale')::float8, 0),
  'timestepSpacing', COALESCE(c."samplerSettings"->>'timestepSpacing', m.metadata->'sampler_defaults'->>'timestep_spacing', 'leading'),
  'stepsOffset', COALESCE((c."samplerSettings"->>'stepsOffset')::int, (m.metadata->'sampler_defaults'->>'steps_offset')::int, 0),
  'setAlphaToOne', COALESCE((m.metadata->'sampler_defaults'->>'set_alpha_to_one')::boolean, true)
)
FROM "Model" m
WHERE m.id = c."modelId"
  AND NOT (c."samplerSettings" ?& ARRAY['sampler', 'numInferenceSteps', 'eta', 'guidanceScale', 'timestepSpacing', 'stepsOffset', 'setAlphaToOne']);
