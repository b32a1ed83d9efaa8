-- Each message keeps a summary of its reactions, so a history page reads them as one column
-- instead of aggregating the reactions of every message it shows.
ALTER TABLE "messages" ADD COLUMN "reaction_summary" JSONB;

-- A message's reactions as a JSON array of { "emoji", "count", "users" }: most used first, then
-- the first used first, then by emoji; null for none. `users` holds the first 20 who reacted with
-- it, earliest first, so whether a viewer reacted is read from the summary whenever it holds
-- everyone (count ≤ 20), without looking up the reactions. The one place that order is written.
CREATE FUNCTION "reaction_summary_of"(message UUID) RETURNS JSONB LANGUAGE sql STABLE AS $$
  SELECT jsonb_agg(jsonb_build_object('emoji', r.emoji, 'count', r.count, 'users', r.users)
                   ORDER BY r.count DESC, r.first, r.emoji)
  FROM (SELECT emoji, count(*)::int AS count, min(created_at) AS first,
               (array_agg(user_id ORDER BY created_at, user_id))[1:20] AS users
        FROM reactions WHERE message_id = message GROUP BY emoji) r
$$;

-- Recomputes the summary of every message whose reactions a statement changed (the transition
-- table `changed`). The messages are locked first, in id order, and the summary is read by a
-- later statement, so it sees every reaction committed before the lock was granted: two
-- transactions changing one message's reactions cannot leave either change out of the summary.
CREATE FUNCTION "summarize_reactions"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM messages WHERE id IN (SELECT message_id FROM changed) ORDER BY id FOR UPDATE;
  UPDATE messages SET reaction_summary = reaction_summary_of(id) WHERE id IN (SELECT message_id FROM changed);
  RETURN NULL;
END $$;

CREATE TRIGGER "reactions_summarized_after_insert" AFTER INSERT ON "reactions"
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "summarize_reactions"();
CREATE TRIGGER "reactions_summarized_after_delete" AFTER DELETE ON "reactions"
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "summarize_reactions"();

-- The reactions already there.
UPDATE messages SET reaction_summary = reaction_summary_of(id) WHERE id IN (SELECT message_id FROM reactions);
