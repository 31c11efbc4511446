-- Dataset versions live in named datasets of a project: `<project>/<dataset>@<tag-or-hash>`.
ALTER TABLE "DatasetVersion" ADD COLUMN "dataset" TEXT NOT NULL DEFAULT 'main';
DROP INDEX "DatasetVersion_projectId_manifestHash_key";
CREATE UNIQUE INDEX "DatasetVersion_projectId_dataset_manifestHash_key" ON "DatasetVersion"("projectId", "dataset", "manifestHash");
CREATE INDEX "DatasetVersion_manifestHash_idx" ON "DatasetVersion"("manifestHash");

ALTER TABLE "DatasetTag" ADD COLUMN "dataset" TEXT NOT NULL DEFAULT 'main';
DROP INDEX "DatasetTag_projectId_name_key";
CREATE UNIQUE INDEX "DatasetTag_projectId_dataset_name_key" ON "DatasetTag"("projectId", "dataset", "name");

-- A tag may only point at a version of its own project and dataset.
CREATE FUNCTION slicewise_tag_same_dataset() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM "DatasetVersion" v WHERE v.id = NEW."datasetVersionId" AND v."projectId" = NEW."projectId" AND v.dataset = NEW.dataset) THEN
    RAISE EXCEPTION 'slicewise: tag % must point at a version of dataset % in its own project', NEW.name, NEW.dataset
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER dataset_tag_same_dataset BEFORE INSERT OR UPDATE ON "DatasetTag"
  FOR EACH ROW EXECUTE FUNCTION slicewise_tag_same_dataset();
