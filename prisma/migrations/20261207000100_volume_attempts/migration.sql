-- Fenced claims and an attempt history per volume (issue 16): every claim is a VolumeAttempt whose id is the
-- token the worker presents to heartbeat, write and record; Volume.currentAttemptId names the claim holder.

-- CreateEnum
CREATE TYPE "AttemptOutcome" AS ENUM ('RUNNING', 'SUCCEEDED', 'FAILED', 'INTERRUPTED', 'SUPERSEDED', 'CANCELLED');

-- AlterTable
ALTER TABLE "Volume" ADD COLUMN     "currentAttemptId" UUID,
ADD COLUMN     "retryRound" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "VolumeAttempt" (
    "id" UUID NOT NULL,
    "volumeId" UUID NOT NULL,
    "number" INTEGER NOT NULL,
    "round" INTEGER NOT NULL,
    "workerId" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "jobId" TEXT NOT NULL,
    "startedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "heartbeatAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "endedAt" TIMESTAMPTZ(3),
    "outcome" "AttemptOutcome" NOT NULL DEFAULT 'RUNNING',
    "reason" TEXT,
    "imageKey" TEXT,
    "maskKey" TEXT,

    CONSTRAINT "VolumeAttempt_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "VolumeAttempt_outcome_heartbeatAt_idx" ON "VolumeAttempt"("outcome", "heartbeatAt");

-- CreateIndex
CREATE INDEX "VolumeAttempt_jobId_idx" ON "VolumeAttempt"("jobId");

-- CreateIndex
CREATE UNIQUE INDEX "VolumeAttempt_volumeId_number_key" ON "VolumeAttempt"("volumeId", "number");

-- AddForeignKey
ALTER TABLE "VolumeAttempt" ADD CONSTRAINT "VolumeAttempt_volumeId_fkey" FOREIGN KEY ("volumeId") REFERENCES "Volume"("id") ON DELETE CASCADE ON UPDATE CASCADE;

