-- Webhook outbox: deliveries are rows written in the same transaction as the event they announce,
-- so no event is lost and none is announced that did not happen. A dispatcher (apps/api) sends them.
ALTER TABLE "WebhookDelivery" ADD COLUMN "nextAttemptAt" TIMESTAMPTZ(3) NOT NULL DEFAULT now();
CREATE INDEX "WebhookDelivery_status_nextAttemptAt_idx" ON "WebhookDelivery"("status", "nextAttemptAt");

-- A cohort reaching COMPLETED (whichever process finished it: usually a worker) queues one delivery
-- per active webhook of its team subscribed to cohort.completed.
CREATE FUNCTION slicewise_cohort_completed_webhooks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status = 'COMPLETED' AND OLD.status IS DISTINCT FROM 'COMPLETED' THEN
    INSERT INTO "WebhookDelivery"(id, "webhookId", event, payload)
    SELECT gen_random_uuid(), w.id, 'cohort.completed',
           jsonb_build_object('event', 'cohort.completed', 'cohortId', NEW.id, 'projectId', NEW."projectId",
                              'teamId', NEW."teamId", 'name', NEW.name, 'size', NEW.size, 'finishedAt', NEW."finishedAt")
    FROM "Webhook" w WHERE w."teamId" = NEW."teamId" AND w.active AND 'cohort.completed' = ANY(w.events);
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER cohort_completed_webhooks AFTER UPDATE OF status ON "Cohort"
  FOR EACH ROW EXECUTE FUNCTION slicewise_cohort_completed_webhooks();
