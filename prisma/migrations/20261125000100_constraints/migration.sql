-- Invariants the database enforces whatever the application does.

-- Audit events are append-only.
CREATE FUNCTION slicewise_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'slicewise: % on "%" is not allowed (%)', TG_OP, TG_TABLE_NAME, TG_ARGV[0]
    USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE TRIGGER audit_event_append_only
  BEFORE UPDATE OR DELETE ON "AuditEvent"
  FOR EACH ROW EXECUTE FUNCTION slicewise_reject_change('audit events are append-only');
CREATE TRIGGER audit_event_no_truncate
  BEFORE TRUNCATE ON "AuditEvent"
  FOR EACH STATEMENT EXECUTE FUNCTION slicewise_reject_change('audit events are append-only');

-- Dataset versions and their membership are immutable once written.
CREATE TRIGGER dataset_version_immutable
  BEFORE UPDATE OR DELETE ON "DatasetVersion"
  FOR EACH ROW EXECUTE FUNCTION slicewise_reject_change('dataset versions are immutable');
CREATE TRIGGER dataset_version_volume_immutable
  BEFORE UPDATE OR DELETE ON "DatasetVersionVolume"
  FOR EACH ROW EXECUTE FUNCTION slicewise_reject_change('dataset versions are immutable');

-- A distribution version never changes: editing a distribution creates a new version.
CREATE TRIGGER distribution_version_immutable
  BEFORE UPDATE ON "DistributionVersion"
  FOR EACH ROW EXECUTE FUNCTION slicewise_reject_change('distribution versions are immutable');

-- Value checks.
ALTER TABLE "User" ADD CONSTRAINT user_email_lowercase CHECK (email = lower(email));
ALTER TABLE "Cohort" ADD CONSTRAINT cohort_size_positive CHECK (size > 0);
ALTER TABLE "Volume" ADD CONSTRAINT volume_subject_index_non_negative CHECK ("subjectIndex" >= 0);
ALTER TABLE "Volume" ADD CONSTRAINT volume_attempts_non_negative CHECK (attempts >= 0);
ALTER TABLE "DistributionVersion" ADD CONSTRAINT distribution_version_positive CHECK (version > 0);
ALTER TABLE "Team" ADD CONSTRAINT team_approval_threshold_positive CHECK ("approvalThreshold" IS NULL OR "approvalThreshold" > 0);
