-- The events a room's active webhooks are subscribed to, kept by a trigger on webhooks. A send to a
-- room it has learnt has no webhook for new messages leaves the webhook outbox out of its statement
-- (PostgreSQL opens and locks every table and index a statement may write to, rows or not) and
-- checks this column on the room row it locks instead, so a webhook added since is never missed
-- (chat/messages.ts). Whatever changes a webhook's room, events or active flag locks the room row
-- first, as a send does, so that the two cannot deadlock.
ALTER TABLE "rooms" ADD COLUMN "webhook_events" "WebhookEvent"[] NOT NULL DEFAULT '{}';

CREATE FUNCTION "room_webhook_events"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "rooms" SET "webhook_events" = ARRAY(
    SELECT DISTINCT "event" FROM "webhooks", unnest("webhooks"."events") AS "event"
    WHERE "webhooks"."room_id" = "rooms"."id" AND "webhooks"."active" ORDER BY "event")
  WHERE "rooms"."id" IN (OLD."room_id", NEW."room_id");
  RETURN NULL;
END $$;

CREATE TRIGGER "webhooks_room_events" AFTER INSERT OR DELETE OR UPDATE OF "room_id", "events", "active"
  ON "webhooks" FOR EACH ROW EXECUTE FUNCTION "room_webhook_events"();

UPDATE "rooms" SET "webhook_events" = ARRAY(
  SELECT DISTINCT "event" FROM "webhooks", unnest("webhooks"."events") AS "event"
  WHERE "webhooks"."room_id" = "rooms"."id" AND "webhooks"."active" ORDER BY "event")
WHERE EXISTS (SELECT 1 FROM "webhooks" WHERE "webhooks"."room_id" = "rooms"."id");
