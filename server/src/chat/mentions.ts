import { Prisma } from '../generated/prisma/client.js';
import { type PublicUser, userColumns } from './carried.js';
import type { Reader } from './messages.js';

const USER_COLUMNS = userColumns('users');

/**
 * The users each of `messageIds` mentions (stored with the message: members named as @username
 * when it was sent or last edited), by username: one statement for a whole page.
 */
export async function mentionedUsers(db: Pick<Reader, 'read'>, messageIds: readonly string[]): Promise<PublicUser[][]> {
  const rows = await db.read<PublicUser & { messageId: string }>(Prisma.sql`
    SELECT message_mentions.message_id AS "messageId", ${USER_COLUMNS}
    FROM message_mentions JOIN users ON users.id = message_mentions.user_id
    WHERE message_mentions.message_id = ANY(string_to_array(${messageIds.join(',')}::text, ',')::uuid[])
    ORDER BY users.username_key`);
  const byMessage = new Map<string, PublicUser[]>();
  for (const { messageId, ...user } of rows) {
    const list = byMessage.get(messageId);
    if (list) list.push(user);
    else byMessage.set(messageId, [user]);
  }
  return messageIds.map((id) => byMessage.get(id) ?? []);
}
