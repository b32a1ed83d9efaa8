import { decodeGlobalID } from '@pothos/plugin-relay';
import { badInput } from '../errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The database id inside a global id of type `typename` (what `Node.id` returns). A string that is
 * not such an id is BAD_USER_INPUT naming `field`; a well-formed id of nothing is the caller's
 * NOT_FOUND.
 */
export function idOf(typename: 'User' | 'Room' | 'Message', globalId: string | number, field: string): string {
  let decoded: { typename: string; id: string };
  try {
    decoded = decodeGlobalID(String(globalId));
  } catch {
    throw badInput(field, `is not a valid ${typename} id`);
  }
  if (decoded.typename !== typename || !UUID.test(decoded.id)) throw badInput(field, `is not a valid ${typename} id`);
  return decoded.id.toLowerCase();
}
