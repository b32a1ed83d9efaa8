// A message carried in a live event answers exactly the selections the database would answer with
// its own columns, its author's public ones, and the room and attachments it carries, and survives
// the trip through JSON.
import { describe, expect, it } from 'vitest';
import {
  answersMessageQuery,
  answersRoomQuery,
  answersUserQuery,
  carryMessage,
  mentionsCarried,
  type MessageWithAuthor,
  partsOf,
  reviveMessage,
  withMentions,
} from '../src/chat/carried.js';

const author = { select: { id: true, username: true, displayName: true, avatarKey: true, createdAt: true } };

describe('carried messages', () => {
  it('answer their own columns, and their author’s public columns when they have them', () => {
    expect(answersMessageQuery({}, {})).toBe(true);
    expect(answersMessageQuery({ select: { id: true, body: true, createdAt: true } }, {})).toBe(true);
    expect(answersMessageQuery({ include: { author } }, { author: true })).toBe(true);
    expect(answersMessageQuery({ select: { seq: true, author } }, { author: true })).toBe(true);
    expect(answersMessageQuery({ include: { author } }, {})).toBe(false);
  });

  it('answer their room and attachments when they carry them, and only then', () => {
    const client = { include: { author, room: true, attachments: { orderBy: { position: 'asc' } } } };
    expect(answersMessageQuery(client, { author: true, room: true, attachments: true })).toBe(true);
    expect(answersMessageQuery(client, { author: true, room: true })).toBe(false);
    expect(answersMessageQuery(client, { author: true, attachments: true })).toBe(false);
    expect(
      answersMessageQuery({ select: { id: true, room: { select: { id: true, name: true } } } }, { room: true }),
    ).toBe(true);
    for (const query of [
      { include: { room: { include: { memberships: true } } } },
      { include: { room: { select: { id: true, memberships: true } } } },
      { include: { attachments: { where: { position: 0 } } } },
      { include: { attachments: { orderBy: { position: 'desc' } } } },
      { include: { attachments: { orderBy: { position: 'asc' }, take: 1 } } },
    ]) {
      expect(answersMessageQuery(query, { author: true, room: true, attachments: true }), JSON.stringify(query)).toBe(
        false,
      );
    }
  });

  it('answer nothing else: other relations, whole user rows, private columns, counts, filters', () => {
    for (const query of [
      { include: { room: true } },
      { include: { author: true } },
      { include: { author: { select: { id: true, passwordHash: true } } } },
      { include: { author: { select: { id: true }, include: { sessions: true } } } },
      { include: { author: { select: { id: true, memberships: true } } } },
      { select: { id: true, _count: true } },
      { select: { id: true, searchVector: true } },
      { select: { id: true }, where: { id: 'x' } },
      { select: { id: false } },
    ]) {
      expect(answersMessageQuery(query, { author: true }), JSON.stringify(query)).toBe(false);
    }
  });

  it('come back from JSON as the rows they were', () => {
    const message: MessageWithAuthor = {
      id: '6f1c0e7e-3a53-4a57-9a4f-0d4c1b1f7a11',
      roomId: '0b0c5d1e-1f4e-4a57-9a4f-0d4c1b1f7a12',
      seq: 42,
      authorId: '1a2b3c4d-1f4e-4a57-9a4f-0d4c1b1f7a13',
      body: 'hello',
      clientMessageId: 'c-1',
      createdAt: new Date('2026-11-22T10:00:00.123Z'),
      editedAt: null,
      deletedAt: null,
      threadRootId: '2b2b3c4d-1f4e-4a57-9a4f-0d4c1b1f7a14',
      replyCount: 3,
      lastReplyAt: new Date('2026-11-22T10:05:00.456Z'),
      pinnedAt: new Date('2026-11-22T10:06:00.789Z'),
      pinnedById: '1a2b3c4d-1f4e-4a57-9a4f-0d4c1b1f7a13',
      author: {
        id: '1a2b3c4d-1f4e-4a57-9a4f-0d4c1b1f7a13',
        username: 'ada',
        displayName: null,
        avatarKey: null,
        createdAt: new Date('2026-01-01T00:00:00.000Z'),
      },
    };
    expect(reviveMessage(JSON.parse(JSON.stringify(carryMessage(message))))).toEqual(message);
  });

  it('bring their room, attachments and mentions through JSON', () => {
    const at = new Date('2026-11-22T10:00:00.123Z');
    const user = { id: 'u1', username: 'ada', displayName: 'Ada', avatarKey: 'avatars/a.webp', createdAt: at };
    const message: MessageWithAuthor = {
      ...{ id: 'm1', roomId: 'r1', seq: 7, authorId: 'u1', body: 'hi @ada', clientMessageId: null, createdAt: at },
      ...{ editedAt: null, deletedAt: null, threadRootId: null, replyCount: 0, lastReplyAt: null },
      ...{ pinnedAt: null, pinnedById: null, author: user },
      room: {
        ...{ id: 'r1', name: 'Lobby', nameKey: 'lobby', kind: 'PUBLIC', topic: null, lastSeq: 7, memberCount: 2 },
        ...{ createdAt: at, lastActivityAt: at, createdById: 'u1', slowModeSeconds: 0, archivedAt: null },
      },
      attachments: [
        {
          ...{ id: 'a1', roomId: 'r1', uploaderId: 'u1', messageId: 'm1', position: 0, filename: 'cat.png' },
          ...{ contentType: 'image/png', size: 10, width: 2, height: 1, storageKey: 'k', thumbnailKey: null },
          ...{ createdAt: at, sweepClaimedAt: null },
        },
      ],
    };
    const revived = reviveMessage(JSON.parse(JSON.stringify(carryMessage(withMentions(message, [user])))));
    expect(revived).toEqual(message);
    expect(mentionsCarried(revived)).toEqual([user]);
    // Without them (an edit's event), nothing claims to be carried.
    const { room: _room, attachments: _attachments, ...bare } = message;
    const plain = reviveMessage(JSON.parse(JSON.stringify(carryMessage(bare))));
    expect(partsOf(plain)).toEqual({ author: true, room: false, attachments: false });
    expect(mentionsCarried(plain)).toBeUndefined();
  });
});

describe('carried rooms and users', () => {
  const viewer = '11111111-1111-1111-1111-111111111111';
  const viewerFields = { where: { userId: viewer }, select: { lastReadSeq: true, role: true, mutedUntil: true } };

  it('a room answers its own columns, and the viewer’s membership only when it holds it', () => {
    expect(answersRoomQuery({}, null)).toBe(true);
    expect(answersRoomQuery({ select: { id: true, name: true, memberCount: true } }, null)).toBe(true);
    expect(answersRoomQuery({ include: { memberships: viewerFields } }, viewer)).toBe(true);
    expect(answersRoomQuery({ select: { id: true, memberships: viewerFields } }, viewer)).toBe(true);
    for (const query of [
      { include: { memberships: viewerFields } },
      { select: { id: true, memberships: viewerFields } },
    ]) {
      expect(answersRoomQuery(query, null), JSON.stringify(query)).toBe(false);
    }
    for (const query of [
      { include: { memberships: { ...viewerFields, where: { userId: 'someone else' } } } },
      { include: { memberships: true } },
      { include: { messages: true } },
      { select: { id: true, _count: true } },
      { select: { id: true }, where: { id: 'x' } },
    ]) {
      expect(answersRoomQuery(query, viewer), JSON.stringify(query)).toBe(false);
    }
  });

  it('a user answers a selection of public columns only', () => {
    expect(answersUserQuery(author)).toBe(true);
    expect(answersUserQuery({ select: { id: true, username: true } })).toBe(true);
    for (const query of [
      {},
      { select: { id: true, passwordHash: true } },
      { select: { id: true, memberships: true } },
      { select: { id: true }, include: { sessions: true } },
      { select: { id: false } },
    ]) {
      expect(answersUserQuery(query), JSON.stringify(query)).toBe(false);
    }
  });
});
