import type { ChatClient } from './chat.js';

/** The moderation operations over real HTTP, for a chat client (see chat.ts). */
export function moderationOf(c: ChatClient) {
  const room = 'id memberCount topic slowModeSeconds archivedAt viewerRole';
  return {
    setRole: (roomId: string, userId: string, role: 'OWNER' | 'MODERATOR' | 'MEMBER') =>
      c.call(`mutation ($i: SetMemberRoleInput!) { setMemberRole(input: $i) { ${room} } }`, {
        i: { roomId, userId, role },
      }),
    update: (input: { roomId: string; name?: string; topic?: string | null; slowModeSeconds?: number }) =>
      c.call(`mutation ($i: UpdateRoomInput!) { updateRoom(input: $i) { ${room} } }`, { i: input }),
    remove: (roomId: string, userId: string, reason?: string) =>
      c.call(`mutation ($i: ModerateMemberInput!) { removeMember(input: $i) { ${room} } }`, {
        i: { roomId, userId, reason },
      }),
    ban: (roomId: string, userId: string, until?: string) =>
      c.call(`mutation ($i: BanMemberInput!) { banMember(input: $i) { ${room} } }`, { i: { roomId, userId, until } }),
    unban: (roomId: string, userId: string) =>
      c.call(`mutation ($i: ModerateMemberInput!) { unbanMember(input: $i) { ${room} } }`, { i: { roomId, userId } }),
    mute: (roomId: string, userId: string, until: string) =>
      c.call(`mutation ($i: MuteMemberInput!) { muteMember(input: $i) { ${room} } }`, { i: { roomId, userId, until } }),
    unmute: (roomId: string, userId: string) =>
      c.call(`mutation ($i: ModerateMemberInput!) { unmuteMember(input: $i) { ${room} } }`, { i: { roomId, userId } }),
    archive: (roomId: string) =>
      c.call(`mutation ($i: ArchiveRoomInput!) { archiveRoom(input: $i) { ${room} } }`, { i: { roomId } }),
    unarchive: (roomId: string) =>
      c.call(`mutation ($i: ArchiveRoomInput!) { unarchiveRoom(input: $i) { ${room} } }`, { i: { roomId } }),
    report: (messageId: string, reason: string) =>
      c.call('mutation ($i: ReportMessageInput!) { reportMessage(input: $i) }', { i: { messageId, reason } }),
    typing: (roomId: string, typing = true) =>
      c.call('mutation ($i: SetTypingInput!) { setTyping(input: $i) }', { i: { roomId, typing } }),
  };
}

/** An ISO time `ms` from now. */
export const fromNow = (ms: number) => new Date(Date.now() + ms).toISOString();
