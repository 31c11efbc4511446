-- Quality control of every volume (issue 14): volumes that fail it after every try end QC_FAILED (files and
-- reasons kept); each cohort stores its complete QC settings, resolved at request time.

-- AlterEnum
ALTER TYPE "VolumeStatus" ADD VALUE 'QC_FAILED';

-- AlterTable
ALTER TABLE "Cohort" ADD COLUMN     "qcSettings" JSONB;

