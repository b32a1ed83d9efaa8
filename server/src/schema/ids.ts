import { type GraphQLSchema, isObjectType } from 'graphql';
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { badInput } from '../errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The database id inside a global id of type `typename` (what `Node.id` returns). A string that is
 * not such an id is BAD_USER_INPUT naming `field`; a well-formed id of nothing is the caller's
 * NOT_FOUND.
 */
export function idOf(typename: (typeof NODE_TYPES)[number], globalId: string | number, field: string): string {
  let decoded: { typename: string; id: string };
  try {
    decoded = decodeGlobalID(String(globalId));
  } catch {
    throw badInput(field, `is not a valid ${typename} id`);
  }
  if (decoded.typename !== typename || !UUID.test(decoded.id)) throw badInput(field, `is not a valid ${typename} id`);
  return decoded.id.toLowerCase();
}

/** The node types; each one's global id is made of its `id` column. */
const NODE_TYPES = [
  'User',
  'Room',
  'Message',
  'Attachment',
  'Webhook',
  'WebhookDelivery',
  'MessageReport',
  'Notification',
] as const;

/**
 * `schema` with the `id` of every node type answered synchronously. The relay plugin's id resolver
 * is an async function, so each id in a response was a promise, and each object holding one was
 * completed asynchronously: a history page of 50 messages made 100 of them. The id is the same
 * (the plugin's own encoding of typename and database id).
 */
export function withSyncNodeIds(schema: GraphQLSchema): GraphQLSchema {
  for (const typename of NODE_TYPES) {
    const type = schema.getType(typename);
    const field = isObjectType(type) ? type.getFields().id : undefined;
    if (!isObjectType(type) || !field || !type.getInterfaces().some((i) => i.name === 'Node')) {
      throw new Error(`${typename} is not a node type with an id`);
    }
    field.resolve = (row: { id: string }) => encodeGlobalID(typename, row.id);
  }
  return schema;
}
