import { gql, type GraphQLResponse } from './graphql.js';
import { registerUser } from './users.js';

/** The chat operations over real HTTP, as a client makes them. `token` undefined: a guest. */
export function chatClient(url: string, token?: string) {
  const call = (query: string, variables?: Record<string, unknown>) => gql(url, query, variables, { token });
  const data = async (query: string, variables?: Record<string, unknown>) => {
    const result = await call(query, variables);
    if (result.errors) throw new Error(`${JSON.stringify(result.errors)} for ${query}`);
    return result.data!;
  };
  return {
    call,
    data,
    createRoom: (name: string, kind: 'PUBLIC' | 'PRIVATE' = 'PUBLIC', topic?: string) =>
      call('mutation ($i: CreateRoomInput!) { createRoom(input: $i) { id name kind memberCount lastSeq } }', {
        i: { name, kind, topic },
      }),
    joinRoom: (input: { roomId?: string; name?: string }) =>
      call('mutation ($i: JoinRoomInput!) { joinRoom(input: $i) { id memberCount viewerIsMember } }', { i: input }),
    leaveRoom: (roomId: string) =>
      call('mutation ($i: LeaveRoomInput!) { leaveRoom(input: $i) { id memberCount viewerIsMember } }', {
        i: { roomId },
      }),
    invite: (roomId: string, username: string) =>
      call('mutation ($i: InviteToRoomInput!) { inviteToRoom(input: $i) { id } }', { i: { roomId, username } }),
    openDirect: (username: string) =>
      call('mutation ($i: OpenDirectRoomInput!) { openDirectRoom(input: $i) { id kind memberCount } }', {
        i: { username },
      }),
    send: (roomId: string, body: string, clientMessageId?: string) =>
      call(
        'mutation ($i: SendMessageInput!) { sendMessage(input: $i) { id seq body clientMessageId author { username } } }',
        {
          i: { roomId, body, clientMessageId },
        },
      ),
    edit: (messageId: string, body: string) =>
      call('mutation ($i: EditMessageInput!) { editMessage(input: $i) { id body editedAt } }', {
        i: { messageId, body },
      }),
    remove: (messageId: string) =>
      call('mutation ($i: DeleteMessageInput!) { deleteMessage(input: $i) { id body deletedAt } }', {
        i: { messageId },
      }),
    markRead: (roomId: string, seq: number) =>
      call('mutation ($i: MarkReadInput!) { markRead(input: $i) { id unreadCount viewerLastReadSeq } }', {
        i: { roomId, seq },
      }),
    room: (id: string) =>
      call('query ($id: ID!) { room(id: $id) { id name kind memberCount lastSeq unreadCount viewerIsMember } }', {
        id,
      }),
    messages: (roomId: string, args: Record<string, unknown> = {}) =>
      call(
        `query ($roomId: ID!, $first: Int, $after: String, $last: Int, $before: String) {
          messages(roomId: $roomId, first: $first, after: $after, last: $last, before: $before) {
            edges { cursor node { id seq body author { username } } }
            pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
          }
        }`,
        { roomId, ...args },
      ),
    since: (roomId: string, afterSeq: number, first?: number) =>
      call(
        'query ($r: ID!, $a: Int!, $f: Int) { messagesSince(roomId: $r, afterSeq: $a, first: $f) { id seq body } }',
        {
          r: roomId,
          a: afterSeq,
          f: first,
        },
      ),
    search: (query: string, roomId?: string) =>
      call(
        'query ($q: String!, $r: ID) { searchMessages(query: $q, roomId: $r) { edges { node { id body room { id } } } } }',
        {
          q: query,
          r: roomId,
        },
      ),
  };
}

export type ChatClient = ReturnType<typeof chatClient>;

/**
 * Uploads a file to a room as a GraphQL multipart request (the spec's operations, map, file), as
 * browsers and curl -F send it; returns the response with the attachment's `fields`.
 */
export async function uploadFile(
  graphqlUrl: string,
  token: string,
  roomId: string,
  file: { bytes: Uint8Array; filename: string; type: string },
  fields = 'id',
) {
  const form = new FormData();
  const query = `mutation ($i: UploadAttachmentInput!) { uploadAttachment(input: $i) { ${fields} } }`;
  form.set('operations', JSON.stringify({ query, variables: { i: { roomId, file: null } } }));
  form.set('map', JSON.stringify({ 0: ['variables.i.file'] }));
  form.set('0', new Blob([new Uint8Array(file.bytes)], { type: file.type }), file.filename);
  const response = await fetch(graphqlUrl, {
    method: 'POST',
    headers: { 'x-graphql-csrf': '1', authorization: `Bearer ${token}` },
    body: form,
  });
  return (await response.json()) as GraphQLResponse<Record<string, any>>;
}

/** The code of a response's only error, or 'OK' when it succeeded. */
export function outcome(response: GraphQLResponse): string {
  if (!response.errors) return 'OK';
  if (response.errors.length !== 1) throw new Error(`expected one error: ${JSON.stringify(response.errors)}`);
  return String(response.errors[0]!.extensions?.code);
}

/** The people of an authorization test: three fresh users (an owner-to-be, a member, an outsider) and a guest, each with a client. */
export async function parties(url: string) {
  const [owner, member, outsider] = await Promise.all([registerUser(url), registerUser(url), registerUser(url)]);
  const as = {
    owner: chatClient(url, owner.accessToken),
    member: chatClient(url, member.accessToken),
    outsider: chatClient(url, outsider.accessToken),
    guest: chatClient(url),
  };
  return { owner, member, outsider, as };
}
