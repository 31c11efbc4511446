-- Invitations (issue 17): an owner or admin creates a link for a role; whoever holds it joins the team
-- once. Expiring, single use and revocable: the final states are kept final by the database too.
CREATE TABLE "Invitation" (
    "id" UUID NOT NULL,
    "teamId" UUID NOT NULL,
    "role" "Role" NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "note" TEXT NOT NULL DEFAULT '',
    "createdById" UUID NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "revokedAt" TIMESTAMPTZ(3),
    "acceptedAt" TIMESTAMPTZ(3),
    "acceptedById" UUID,
    CONSTRAINT "Invitation_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "Invitation_used_once" CHECK (("acceptedAt" IS NULL) = ("acceptedById" IS NULL)),
    CONSTRAINT "Invitation_not_both" CHECK ("acceptedAt" IS NULL OR "revokedAt" IS NULL)
);
CREATE UNIQUE INDEX "Invitation_tokenHash_key" ON "Invitation"("tokenHash");
CREATE INDEX "Invitation_teamId_createdAt_idx" ON "Invitation"("teamId", "createdAt");
ALTER TABLE "Invitation" ADD CONSTRAINT "Invitation_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Invitation" ADD CONSTRAINT "Invitation_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "Invitation" ADD CONSTRAINT "Invitation_acceptedById_fkey" FOREIGN KEY ("acceptedById") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- An accepted or revoked invitation never changes again (single use; a revocation cannot be undone).
CREATE FUNCTION slicewise_invitation_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (OLD."acceptedAt" IS NOT NULL OR OLD."revokedAt" IS NOT NULL) AND (
       NEW."acceptedAt" IS DISTINCT FROM OLD."acceptedAt" OR NEW."revokedAt" IS DISTINCT FROM OLD."revokedAt"
       OR NEW."acceptedById" IS DISTINCT FROM OLD."acceptedById" OR NEW.role IS DISTINCT FROM OLD.role
       OR NEW."expiresAt" IS DISTINCT FROM OLD."expiresAt" OR NEW."teamId" IS DISTINCT FROM OLD."teamId") THEN
    RAISE EXCEPTION 'invitation % is already %', OLD.id, CASE WHEN OLD."acceptedAt" IS NOT NULL THEN 'accepted' ELSE 'revoked' END;
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER invitation_final BEFORE UPDATE ON "Invitation" FOR EACH ROW EXECUTE FUNCTION slicewise_invitation_final();
