-- Threads: a reply names its root (a top-level message of the same room); the root keeps the
-- count and time of its replies (deleted ones excluded), written with each reply.
ALTER TABLE "messages" ADD COLUMN "thread_root_id" UUID;
ALTER TABLE "messages" ADD COLUMN "reply_count" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "messages" ADD COLUMN "last_reply_at" TIMESTAMPTZ(3);

-- Pins: when and by whom; null when not pinned.
ALTER TABLE "messages" ADD COLUMN "pinned_at" TIMESTAMPTZ(3);
ALTER TABLE "messages" ADD COLUMN "pinned_by_id" UUID;

ALTER TABLE "messages" ADD CONSTRAINT "messages_thread_root_id_fkey" FOREIGN KEY ("thread_root_id") REFERENCES "messages"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "messages" ADD CONSTRAINT "messages_pinned_by_id_fkey" FOREIGN KEY ("pinned_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- A room's main history (top-level messages) walked by seq, without the replies.
CREATE INDEX "messages_room_id_seq_top_level_idx" ON "messages"("room_id", "seq") WHERE "thread_root_id" IS NULL;
-- A thread's replies in order.
CREATE INDEX "messages_thread_root_id_seq_idx" ON "messages"("thread_root_id", "seq") WHERE "thread_root_id" IS NOT NULL;
-- A room's pinned messages.
CREATE INDEX "messages_room_id_pinned_at_idx" ON "messages"("room_id", "pinned_at") WHERE "pinned_at" IS NOT NULL;

-- Reactions: one row per message, emoji and user.
CREATE TABLE "reactions" (
    "message_id" UUID NOT NULL,
    "emoji" TEXT NOT NULL,
    "user_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "reactions_pkey" PRIMARY KEY ("message_id","emoji","user_id")
);
CREATE INDEX "reactions_user_id_idx" ON "reactions"("user_id");
ALTER TABLE "reactions" ADD CONSTRAINT "reactions_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "messages"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "reactions" ADD CONSTRAINT "reactions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Mentions: the members named as @username in a message when it was stored (or last edited).
CREATE TABLE "message_mentions" (
    "message_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "message_mentions_pkey" PRIMARY KEY ("message_id","user_id")
);
CREATE INDEX "message_mentions_user_id_created_at_idx" ON "message_mentions"("user_id", "created_at");
ALTER TABLE "message_mentions" ADD CONSTRAINT "message_mentions_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "messages"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "message_mentions" ADD CONSTRAINT "message_mentions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
