// A message carried in a live event answers exactly the selections the database would answer with
// its own columns and its author's public ones, and survives the trip through JSON.
import { describe, expect, it } from 'vitest';
import { answersMessageQuery, carryMessage, reviveMessage, type MessageWithAuthor } from '../src/chat/carried.js';

const author = { select: { id: true, username: true, displayName: true, createdAt: true } };

describe('carried messages', () => {
  it('answer their own columns, and their author’s public columns when they have them', () => {
    expect(answersMessageQuery({}, false)).toBe(true);
    expect(answersMessageQuery({ select: { id: true, body: true, createdAt: true } }, false)).toBe(true);
    expect(answersMessageQuery({ include: { author } }, true)).toBe(true);
    expect(answersMessageQuery({ select: { seq: true, author } }, true)).toBe(true);
    expect(answersMessageQuery({ include: { author } }, false)).toBe(false);
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
      expect(answersMessageQuery(query, true), JSON.stringify(query)).toBe(false);
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
        createdAt: new Date('2026-01-01T00:00:00.000Z'),
      },
    };
    expect(reviveMessage(JSON.parse(JSON.stringify(carryMessage(message))))).toEqual(message);
  });
});
