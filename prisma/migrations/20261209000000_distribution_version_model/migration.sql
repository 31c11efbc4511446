-- The model a distribution version was validated against when saved (issue 14: "the model chosen in the editor
-- is lost after saving"): the editor and the cohort dialog preselect it. Null for versions saved before. RESTRICT as
-- Cohort.modelId: versions never change (distribution_version_immutable), so a SET NULL could not run anyway.

-- AlterTable
ALTER TABLE "DistributionVersion" ADD COLUMN     "modelId" UUID;

-- AddForeignKey
ALTER TABLE "DistributionVersion" ADD CONSTRAINT "DistributionVersion_modelId_fkey" FOREIGN KEY ("modelId") REFERENCES "Model"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
