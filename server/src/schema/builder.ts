import SchemaBuilder from '@pothos/core';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import { GraphQLError, Kind } from 'graphql';
import type PrismaTypes from '../generated/pothos-prisma-types.js';
import { getDatamodel } from '../generated/pothos-prisma-types.js';
import type { StagedUpload } from '../storage/staged.js';
import type { Context } from './context.js';

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  Scalars: { DateTime: { Input: Date; Output: Date | string }; File: { Input: StagedUpload; Output: never } };
  DefaultFieldNullability: false;
  DefaultInputFieldRequiredness: true;
}>({
  plugins: [PrismaPlugin, RelayPlugin],
  defaultFieldNullability: false,
  defaultInputFieldRequiredness: true,
  prisma: {
    // The client is per server (embedded or PostgreSQL), so it comes from the context.
    client: (ctx) => ctx.services.db.prisma,
    dmmf: getDatamodel(),
    filterConnectionTotalCount: true,
    onUnusedQuery: null,
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    // The generic parts of every connection and node, described once here.
    nodeTypeOptions: { description: 'An object with a global id, which `node(id)` fetches again.' },
    idFieldOptions: {
      description: 'Global id (opaque): what `node(id)` and the arguments taking an id of this type accept.',
    },
    nodeQueryOptions: {
      nullable: true,
      description:
        'The User, Room or Message with this global id. NOT_FOUND when there is none, or the viewer may not read it.',
      args: { id: { description: 'A global id, as an `id` field returned it.' } },
    },
    nodesQueryOptions: false,
    pageInfoTypeOptions: { description: 'Where a page lies in its list: whether more lies either way, and its ends.' },
    hasNextPageFieldOptions: { description: 'More items follow this page (page on with `after: endCursor`).' },
    hasPreviousPageFieldOptions: { description: 'More items come before this page.' },
    startCursorFieldOptions: { description: 'The cursor of the first edge; null for an empty page.' },
    endCursorFieldOptions: { description: 'The cursor of the last edge; null for an empty page.' },
    edgesFieldOptions: { description: 'The items of this page, in the list\u2019s order, each with its cursor.' },
    pageInfoFieldOptions: { description: 'Whether more lies before or after this page, and the cursors of its ends.' },
    cursorFieldOptions: {
      description: 'Opaque: pass it back as `after` (or `before`, where the list takes it) to page on from this item.',
    },
    nodeFieldOptions: { description: 'The item itself.' },
  },
});

builder.scalarType('DateTime', {
  description: 'An instant, as an ISO-8601 string in UTC.',
  serialize: (value) => (value instanceof Date ? value.toISOString() : new Date(value).toISOString()),
  parseValue: (value) => {
    const date = typeof value === 'string' ? new Date(value) : null;
    if (!date || Number.isNaN(date.getTime())) throw new GraphQLError('DateTime must be an ISO-8601 string');
    return date;
  },
  parseLiteral: (ast) => {
    const date = ast.kind === Kind.STRING ? new Date(ast.value) : null;
    if (!date || Number.isNaN(date.getTime())) throw new GraphQLError('DateTime must be an ISO-8601 string');
    return date;
  },
});

builder.queryType({
  description:
    'Reads. Guests may read and search PUBLIC rooms and see the online count; PRIVATE and DIRECT rooms are for their members.',
});
builder.mutationType({
  description: 'Changes. All but register, login, refreshToken and logout need a signed-in user.',
});
builder.subscriptionType({
  description:
    'Live events, over WebSocket (graphql-transport-ws) or server-sent events (graphql-sse). Guests may follow PUBLIC rooms and the online count.',
});

/** `first` / `after` of a list paged forward: the arguments every such list takes, described once. */
export const forwardPageArgs = builder.args((t) => ({
  first: t.int({ required: false, description: 'How many items to return: 1–100, 50 when omitted.' }),
  after: t.string({
    required: false,
    description: 'A cursor from this same list (an edge\u2019s or `pageInfo.endCursor`): the page after it.',
  }),
}));
