import { buildSchema, getNamedType, isInputObjectType, type GraphQLField } from 'graphql';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatClient, type ChatClient } from './support/chat.js';
import { databaseKinds, freshDatabaseEnv } from './support/databases.js';
import type { GraphQLResponse } from './support/graphql.js';
import { connect, subscribe, type Socket } from './support/live.js';
import { fromNow, moderationOf } from './support/moderation.js';
import { repoRoot, startServer, type TestServer } from './support/server.js';
import { registerUser, type Session } from './support/users.js';

/**
 * The authorization matrix, generated from the schema: every Query, Mutation and Subscription field
 * that takes a room or a message (an argument, or an input field, named roomId or messageId; or a
 * Room by `id`) must have a row here, with the outcome for each kind of caller in a PUBLIC and in a
 * PRIVATE room. A new such field without a row fails the test. Each row runs against a fresh room
 * of its own, on each database.
 */

const PERSONAS = ['guest', 'nonMember', 'banned', 'muted', 'member', 'author', 'moderator', 'owner'] as const;
type Persona = (typeof PERSONAS)[number];
type Kind = 'PUBLIC' | 'PRIVATE';
/** One letter per persona, in PERSONAS order: O ok, U UNAUTHENTICATED, F FORBIDDEN, B BAD_USER_INPUT. */
type Row = string;
const CODES: Record<string, string> = { O: 'OK', U: 'UNAUTHENTICATED', F: 'FORBIDDEN', B: 'BAD_USER_INPUT' };

/** A room of its own for one row: the personas in their places, and a message of the author's. */
interface Fixture {
  kind: Kind;
  roomId: string;
  messageId: string;
  /** Per persona, a plain member (or a banned or muted one, per the row) to act on. */
  targets: Record<Persona, Session>;
}

type Op = 'query' | 'mutation' | 'subscription';
interface Entry {
  op: Op;
  /** The document; `$i` is the input (mutations), other variables come from `variables`. */
  document: string;
  variables: (fx: Fixture, persona: Persona) => Record<string, unknown>;
  expect: Record<Kind, Row>;
  /** Done to the fixture (as its owner) before the personas try: e.g. ban the targets to unban. */
  setup?: (fx: Fixture, owner: ChatClient) => Promise<unknown>;
  /** Needs a target per persona in the room. */
  targets?: 'members' | 'banned' | 'muted';
  /** Sent as a multipart upload. */
  upload?: boolean;
}

const READ: Record<Kind, Row> = { PUBLIC: 'OOOOOOOO', PRIVATE: 'FFFOOOOO' };
const WRITE: Record<Kind, Row> = { PUBLIC: 'UFFFOOOO', PRIVATE: 'UFFFOOOO' };
const MODERATORS: Record<Kind, Row> = { PUBLIC: 'UFFFFFOO', PRIVATE: 'UFFFFFOO' };
const OWNERS: Record<Kind, Row> = { PUBLIC: 'UFFFFFFO', PRIVATE: 'UFFFFFFO' };
const MEMBERS: Record<Kind, Row> = { PUBLIC: 'UFFOOOOO', PRIVATE: 'UFFOOOOO' };

const input = (type: string, field: string, selection = '{ id }') =>
  `mutation ($i: ${type}!) { ${field}(input: $i) ${selection} }`;
const room = (fx: Fixture) => ({ roomId: fx.roomId });
const message = (fx: Fixture) => ({ messageId: fx.messageId });
const onTarget = (fx: Fixture, p: Persona) => ({ i: { roomId: fx.roomId, userId: fx.targets[p].user.id } });

const MATRIX: Record<string, Entry> = {
  // ——— Queries ———
  'Query.room': {
    op: 'query',
    document: 'query ($id: ID!) { room(id: $id) { id } }',
    variables: (fx) => ({ id: fx.roomId }),
    expect: READ,
  },
  'Query.messages': {
    op: 'query',
    document: 'query ($roomId: ID!) { messages(roomId: $roomId) { edges { node { id } } } }',
    variables: room,
    expect: READ,
  },
  'Query.messagesAround': {
    op: 'query',
    document: 'query ($roomId: ID!) { messagesAround(roomId: $roomId, seq: 1) { edges { node { id } } } }',
    variables: room,
    expect: READ,
  },
  'Query.messagesSince': {
    op: 'query',
    document: 'query ($roomId: ID!) { messagesSince(roomId: $roomId, afterSeq: 0) { id } }',
    variables: room,
    expect: READ,
  },
  'Query.searchMessages': {
    op: 'query',
    document: 'query ($roomId: ID!) { searchMessages(query: "hello", roomId: $roomId) { edges { node { id } } } }',
    variables: room,
    expect: READ,
  },
  'Query.threadMessages': {
    op: 'query',
    document: 'query ($messageId: ID!) { threadMessages(messageId: $messageId) { edges { node { id } } } }',
    variables: message,
    expect: READ,
  },
  'Query.roomReports': {
    op: 'query',
    document: 'query ($roomId: ID!) { roomReports(roomId: $roomId) { edges { node { id } } } }',
    variables: room,
    expect: MODERATORS,
  },
  'Query.roomAuditLog': {
    op: 'query',
    document: 'query ($roomId: ID!) { roomAuditLog(roomId: $roomId) { edges { node { action } } } }',
    variables: room,
    expect: OWNERS,
  },
  'Query.webhooks': {
    op: 'query',
    document: 'query ($roomId: ID!) { webhooks(roomId: $roomId) { id } }',
    variables: room,
    expect: OWNERS,
  },

  // ——— Mutations on a room ———
  'Mutation.sendMessage': {
    op: 'mutation',
    document: input('SendMessageInput', 'sendMessage'),
    variables: (fx) => ({ i: { roomId: fx.roomId, body: 'hello' } }),
    expect: WRITE,
  },
  'Mutation.setTyping': {
    op: 'mutation',
    document: 'mutation ($i: SetTypingInput!) { setTyping(input: $i) }',
    variables: (fx) => ({ i: { roomId: fx.roomId, typing: true } }),
    expect: WRITE,
  },
  'Mutation.markRead': {
    op: 'mutation',
    document: input('MarkReadInput', 'markRead'),
    variables: (fx) => ({ i: { roomId: fx.roomId, seq: 1 } }),
    expect: MEMBERS,
  },
  'Mutation.joinRoom': {
    op: 'mutation',
    document: input('JoinRoomInput', 'joinRoom'),
    variables: (fx) => ({ i: room(fx) }),
    expect: { PUBLIC: 'UOFOOOOO', PRIVATE: 'UFFOOOOO' },
  },
  'Mutation.leaveRoom': {
    op: 'mutation',
    document: input('LeaveRoomInput', 'leaveRoom'),
    variables: (fx) => ({ i: room(fx) }),
    expect: { PUBLIC: 'UOOOOOOO', PRIVATE: 'UFFOOOOO' },
  },
  'Mutation.inviteToRoom': {
    op: 'mutation',
    document: input('InviteToRoomInput', 'inviteToRoom'),
    variables: (fx, p) => ({ i: { roomId: fx.roomId, username: fx.targets[p].user.username } }),
    targets: 'banned',
    // A banned user cannot be invited, even by the owner.
    expect: { PUBLIC: 'UFFFFFFF', PRIVATE: 'UFFFFFFF' },
  },
  'Mutation.uploadAttachment': {
    op: 'mutation',
    document: input('UploadAttachmentInput', 'uploadAttachment'),
    variables: room,
    upload: true,
    expect: WRITE,
  },
  'Mutation.createWebhook': {
    op: 'mutation',
    document: input('CreateWebhookInput', 'createWebhook', '{ webhook { id } }'),
    variables: (fx) => ({ i: { roomId: fx.roomId, url: 'http://127.0.0.1:9/hook', events: ['MESSAGE_CREATED'] } }),
    expect: OWNERS,
  },
  'Mutation.updateRoom': {
    op: 'mutation',
    document: input('UpdateRoomInput', 'updateRoom'),
    variables: (fx) => ({ i: { roomId: fx.roomId, topic: 'New topic' } }),
    expect: MODERATORS,
  },
  'Mutation.archiveRoom': {
    op: 'mutation',
    document: input('ArchiveRoomInput', 'archiveRoom'),
    variables: (fx) => ({ i: room(fx) }),
    expect: OWNERS,
  },
  'Mutation.unarchiveRoom': {
    op: 'mutation',
    document: input('ArchiveRoomInput', 'unarchiveRoom'),
    variables: (fx) => ({ i: room(fx) }),
    setup: (fx, owner) => moderationOf(owner).archive(fx.roomId),
    expect: OWNERS,
  },
  'Mutation.setMemberRole': {
    op: 'mutation',
    document: input('SetMemberRoleInput', 'setMemberRole'),
    variables: (fx, p) => ({ i: { ...onTarget(fx, p).i, role: 'MODERATOR' } }),
    targets: 'members',
    expect: OWNERS,
  },
  'Mutation.removeMember': {
    op: 'mutation',
    document: input('ModerateMemberInput', 'removeMember'),
    variables: onTarget,
    targets: 'members',
    expect: MODERATORS,
  },
  'Mutation.banMember': {
    op: 'mutation',
    document: input('BanMemberInput', 'banMember'),
    variables: onTarget,
    targets: 'members',
    expect: MODERATORS,
  },
  'Mutation.unbanMember': {
    op: 'mutation',
    document: input('ModerateMemberInput', 'unbanMember'),
    variables: onTarget,
    targets: 'banned',
    expect: MODERATORS,
  },
  'Mutation.muteMember': {
    op: 'mutation',
    document: input('MuteMemberInput', 'muteMember'),
    variables: (fx, p) => ({ i: { ...onTarget(fx, p).i, until: fromNow(3_600_000) } }),
    targets: 'members',
    expect: MODERATORS,
  },
  'Mutation.unmuteMember': {
    op: 'mutation',
    document: input('ModerateMemberInput', 'unmuteMember'),
    variables: onTarget,
    targets: 'muted',
    expect: MODERATORS,
  },

  // ——— Mutations on a message (the author's) ———
  'Mutation.editMessage': {
    op: 'mutation',
    document: input('EditMessageInput', 'editMessage'),
    variables: (fx) => ({ i: { ...message(fx), body: 'edited' } }),
    expect: { PUBLIC: 'UFFFFOFF', PRIVATE: 'UFFFFOFF' },
  },
  'Mutation.deleteMessage': {
    op: 'mutation',
    document: input('DeleteMessageInput', 'deleteMessage'),
    variables: (fx) => ({ i: message(fx) }),
    expect: { PUBLIC: 'UFFFFOOO', PRIVATE: 'UFFFFOOO' },
  },
  'Mutation.addReaction': {
    op: 'mutation',
    document: input('ReactionInput', 'addReaction'),
    variables: (fx) => ({ i: { ...message(fx), emoji: '👍' } }),
    expect: WRITE,
  },
  'Mutation.removeReaction': {
    op: 'mutation',
    document: input('ReactionInput', 'removeReaction'),
    variables: (fx) => ({ i: { ...message(fx), emoji: '👍' } }),
    expect: WRITE,
  },
  'Mutation.pinMessage': {
    op: 'mutation',
    document: input('PinMessageInput', 'pinMessage'),
    variables: (fx) => ({ i: message(fx) }),
    expect: MODERATORS,
  },
  'Mutation.unpinMessage': {
    op: 'mutation',
    document: input('PinMessageInput', 'unpinMessage'),
    variables: (fx) => ({ i: message(fx) }),
    expect: MODERATORS,
  },
  'Mutation.reportMessage': {
    op: 'mutation',
    document: 'mutation ($i: ReportMessageInput!) { reportMessage(input: $i) }',
    variables: (fx) => ({ i: { ...message(fx), reason: 'spam' } }),
    // Any reader; the author not their own message.
    expect: { PUBLIC: 'UOOOOBOO', PRIVATE: 'UFFOOBOO' },
  },

  // ——— Subscriptions ———
  'Subscription.roomEvents': {
    op: 'subscription',
    document: 'subscription ($roomId: ID!) { roomEvents(roomId: $roomId) { __typename } }',
    variables: room,
    expect: READ,
  },
  'Subscription.messageAdded': {
    op: 'subscription',
    document: 'subscription ($roomId: ID!) { messageAdded(roomId: $roomId) { id } }',
    variables: room,
    expect: READ,
  },
};

/** The coordinates of every root field that takes a room or a message, read from schema.graphql. */
function fieldsTakingRoomOrMessage(): string[] {
  const schema = buildSchema(readFileSync(join(repoRoot, 'schema.graphql'), 'utf8'));
  const KEYS = ['roomId', 'messageId'];
  const takes = (field: GraphQLField<unknown, unknown>) =>
    (getNamedType(field.type).name === 'Room' && field.args.some((a) => a.name === 'id')) ||
    field.args.some((arg) => {
      if (KEYS.includes(arg.name)) return true;
      const type = getNamedType(arg.type);
      return isInputObjectType(type) && Object.keys(type.getFields()).some((name) => KEYS.includes(name));
    });
  return [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].flatMap((root) =>
    Object.values(root!.getFields())
      .filter(takes)
      .map((field) => `${root!.name}.${field.name}`),
  );
}

const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

describe('the authorization matrix', () => {
  it('has a row for every field that takes a room or a message, and none for fields that do not', () => {
    const fields = fieldsTakingRoomOrMessage();
    expect(
      fields.filter((f) => !(f in MATRIX)),
      'fields without a row',
    ).toEqual([]);
    expect(
      Object.keys(MATRIX).filter((f) => !fields.includes(f)),
      'rows without a field',
    ).toEqual([]);
  });
});

describe.each(databaseKinds)('the authorization matrix on the %s database', (dbKind) => {
  const cleanups: (() => Promise<void>)[] = [];
  let server: TestServer;
  const sessions = {} as Record<Exclude<Persona, 'guest'>, Session>;
  /** Users to act on: one per persona and kind of target (fresh rooms reuse them). */
  const targets = {} as Record<Persona, Session>;

  beforeAll(async () => {
    // Webhooks to a local address, so creating one needs no DNS.
    server = await startServer({
      ...(await freshDatabaseEnv(cleanups, dbKind)),
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_ALLOW_PRIVATE: 'true',
    });
    cleanups.push(server.stop);
    const named = PERSONAS.filter((p) => p !== 'guest');
    const registered = await Promise.all([...named, ...PERSONAS].map(() => registerUser(server.url)));
    named.forEach((p, i) => (sessions[p] = registered[i]!));
    PERSONAS.forEach((p, i) => (targets[p] = registered[named.length + i]!));
  }, 120_000);
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  const client = (p: Persona) => chatClient(server.url, p === 'guest' ? undefined : sessions[p].accessToken);
  const ok = async (response: Promise<GraphQLResponse>) => {
    const r = await response;
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data as Record<string, any>;
  };

  async function fixture(kind: Kind, entry: Entry): Promise<Fixture> {
    const owner = client('owner');
    const roomId = (await ok(owner.createRoom(`matrix ${Math.random().toString(36).slice(2)}`, kind))).createRoom.id;
    const enter = async (s: Session) => {
      if (kind === 'PRIVATE') await ok(owner.invite(roomId, s.user.username));
      await ok(chatClient(server.url, s.accessToken).joinRoom({ roomId }));
    };
    const insiders = (['moderator', 'member', 'author', 'muted', 'banned'] as const).map((p) => sessions[p]);
    const acted = entry.targets ? PERSONAS.map((p) => targets[p]) : [];
    for (const s of [...insiders, ...acted]) await enter(s);
    const mod = moderationOf(owner);
    await ok(mod.setRole(roomId, sessions.moderator.user.id, 'MODERATOR'));
    await ok(mod.mute(roomId, sessions.muted.user.id, fromNow(3_600_000)));
    await ok(mod.ban(roomId, sessions.banned.user.id));
    for (const s of acted) {
      if (entry.targets === 'banned') await ok(mod.ban(roomId, s.user.id));
      if (entry.targets === 'muted') await ok(mod.mute(roomId, s.user.id, fromNow(3_600_000)));
    }
    const messageId = (await ok(client('author').send(roomId, 'hello there'))).sendMessage.id;
    const fx = { kind, roomId, messageId, targets };
    await entry.setup?.(fx, owner);
    return fx;
  }

  async function upload(p: Persona, variables: Record<string, unknown>): Promise<GraphQLResponse> {
    const form = new FormData();
    const query = MATRIX['Mutation.uploadAttachment']!.document;
    form.set('operations', JSON.stringify({ query, variables: { i: { ...variables, file: null } } }));
    form.set('map', JSON.stringify({ 0: ['variables.i.file'] }));
    form.set('0', new Blob([GIF], { type: 'image/gif' }), 'dot.gif');
    const token = p === 'guest' ? undefined : sessions[p].accessToken;
    const response = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'x-graphql-csrf': '1', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: form,
    });
    return { status: response.status, ...((await response.json()) as object) };
  }

  const codeOf = (response: { errors?: { extensions?: Record<string, unknown> }[] }) =>
    response.errors ? String(response.errors[0]?.extensions?.code) : 'OK';

  /** Each persona subscribes; the owner sends a message; a subscriber that hears it is OK. */
  async function subscriptionOutcomes(fx: Fixture, entry: Entry): Promise<string[]> {
    const sockets: Socket[] = PERSONAS.map((p) =>
      connect(server.wsUrl, p === 'guest' ? undefined : sessions[p].accessToken),
    );
    try {
      const subs = PERSONAS.map((p, i) => subscribe(sockets[i]!, entry.document, entry.variables(fx, p)));
      const settled = (s: (typeof subs)[number]) => s.results.length > 0;
      const deadline = Date.now() + 10_000;
      while (!subs.every(settled) && Date.now() < deadline) {
        await ok(client('owner').send(fx.roomId, 'for the subscribers'));
        await new Promise((r) => setTimeout(r, 100));
      }
      return subs.map((s) => (s.results.length === 0 ? 'NO ANSWER' : codeOf(s.results[0]!)));
    } finally {
      await Promise.all(sockets.map((s) => s.dispose()));
    }
  }

  const rows = Object.entries(MATRIX).flatMap(([coordinate, entry]) =>
    (['PUBLIC', 'PRIVATE'] as const).map((kind) => ({ coordinate, entry, kind })),
  );

  it.each(rows)(
    '$coordinate in a $kind room',
    async ({ entry, kind }) => {
      const fx = await fixture(kind, entry);
      const expected = [...entry.expect[kind]].map((letter) => CODES[letter]);
      let actual: string[];
      if (entry.op === 'subscription') {
        actual = await subscriptionOutcomes(fx, entry);
      } else {
        actual = [];
        // The least trusted first: a refused call changes nothing, so each persona finds the room as set up.
        for (const p of PERSONAS) {
          const variables = entry.variables(fx, p);
          const response = entry.upload ? await upload(p, variables) : await client(p).call(entry.document, variables);
          actual.push(codeOf(response));
        }
      }
      expect(Object.fromEntries(PERSONAS.map((p, i) => [p, actual[i]]))).toEqual(
        Object.fromEntries(PERSONAS.map((p, i) => [p, expected[i]])),
      );
    },
    60_000,
  );
});
