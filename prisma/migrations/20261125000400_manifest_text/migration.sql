-- The manifest's exact bytes. Its sha256 is the version's identity, and a JSON column does not keep
-- bytes: numbers written through Prisma's Json path came back rounded to 15 significant digits.
ALTER TABLE "DatasetVersion" ADD COLUMN "manifestText" TEXT NOT NULL DEFAULT '';
