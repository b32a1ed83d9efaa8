-- Roles and moderation (API.md, "Roles and moderation").

-- A third role between OWNER and MEMBER. (A value added in a transaction cannot be used in it; this
-- migration only adds it.)
ALTER TYPE "MemberRole" ADD VALUE IF NOT EXISTS 'MODERATOR' BEFORE 'MEMBER';

-- Every room's creator is its OWNER (rooms made before roles counted may lack it); DIRECT rooms
-- have no owner: both people are equal there.
UPDATE "memberships" SET "role" = 'OWNER'
FROM "rooms"
WHERE "rooms"."id" = "memberships"."room_id" AND "rooms"."created_by_id" = "memberships"."user_id"
  AND "rooms"."kind" <> 'DIRECT';

-- A muted member cannot send, react or type until then; null when not muted.
ALTER TABLE "memberships" ADD COLUMN "muted_until" TIMESTAMPTZ(3);

-- Room settings: one message per member per slow_mode_seconds (0: off); archived rooms are read-only.
ALTER TABLE "rooms" ADD COLUMN "slow_mode_seconds" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "rooms" ADD COLUMN "archived_at" TIMESTAMPTZ(3);

-- A banned user cannot join (or be invited to) the room until "until" (null: for good).
CREATE TABLE "room_bans" (
    "room_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "banned_by_id" UUID,
    "reason" TEXT,
    "until" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "room_bans_pkey" PRIMARY KEY ("room_id","user_id")
);
CREATE INDEX "room_bans_user_id_idx" ON "room_bans"("user_id");
ALTER TABLE "room_bans" ADD CONSTRAINT "room_bans_room_id_fkey" FOREIGN KEY ("room_id") REFERENCES "rooms"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "room_bans" ADD CONSTRAINT "room_bans_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "room_bans" ADD CONSTRAINT "room_bans_banned_by_id_fkey" FOREIGN KEY ("banned_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- What the room's owners and moderators did: who, what, to whom, why, when.
CREATE TYPE "ModerationAction" AS ENUM ('ROLE_CHANGED', 'ROOM_UPDATED', 'MEMBER_REMOVED', 'MEMBER_BANNED', 'MEMBER_UNBANNED', 'MEMBER_MUTED', 'MEMBER_UNMUTED', 'ROOM_ARCHIVED', 'ROOM_UNARCHIVED', 'MESSAGE_DELETED');
CREATE TABLE "room_audit_log" (
    "id" UUID NOT NULL,
    "room_id" UUID NOT NULL,
    "actor_id" UUID,
    "action" "ModerationAction" NOT NULL,
    "target_user_id" UUID,
    "target_message_id" UUID,
    "reason" TEXT,
    "details" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "room_audit_log_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "room_audit_log_room_id_created_at_idx" ON "room_audit_log"("room_id", "created_at");
ALTER TABLE "room_audit_log" ADD CONSTRAINT "room_audit_log_room_id_fkey" FOREIGN KEY ("room_id") REFERENCES "rooms"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "room_audit_log" ADD CONSTRAINT "room_audit_log_actor_id_fkey" FOREIGN KEY ("actor_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "room_audit_log" ADD CONSTRAINT "room_audit_log_target_user_id_fkey" FOREIGN KEY ("target_user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "room_audit_log" ADD CONSTRAINT "room_audit_log_target_message_id_fkey" FOREIGN KEY ("target_message_id") REFERENCES "messages"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- A reader's report of a message, for the room's owners and moderators; one per reader and message.
CREATE TABLE "message_reports" (
    "id" UUID NOT NULL,
    "message_id" UUID NOT NULL,
    "room_id" UUID NOT NULL,
    "reporter_id" UUID NOT NULL,
    "reason" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "message_reports_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "message_reports_message_id_reporter_id_key" ON "message_reports"("message_id", "reporter_id");
CREATE INDEX "message_reports_room_id_created_at_idx" ON "message_reports"("room_id", "created_at");
CREATE INDEX "message_reports_reporter_id_idx" ON "message_reports"("reporter_id");
ALTER TABLE "message_reports" ADD CONSTRAINT "message_reports_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "messages"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "message_reports" ADD CONSTRAINT "message_reports_room_id_fkey" FOREIGN KEY ("room_id") REFERENCES "rooms"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "message_reports" ADD CONSTRAINT "message_reports_reporter_id_fkey" FOREIGN KEY ("reporter_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
