-- Each replica's delivery workers listen on these channels and look for due deliveries when a row
-- is queued, instead of looking every second whether there is work or not. A row trigger fires
-- only for rows inserted (a send in a room without webhooks inserts none), and PostgreSQL sends a
-- transaction's identical notifications once, when it commits.
CREATE FUNCTION "notify_outbox"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify(TG_ARGV[0], '');
  RETURN NULL;
END $$;

CREATE TRIGGER "webhook_deliveries_notify" AFTER INSERT ON "webhook_deliveries"
  FOR EACH ROW EXECUTE FUNCTION "notify_outbox"('chat_webhook_deliveries');
CREATE TRIGGER "push_deliveries_notify" AFTER INSERT ON "push_deliveries"
  FOR EACH ROW EXECUTE FUNCTION "notify_outbox"('chat_push_deliveries');
