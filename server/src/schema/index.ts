import { lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from './builder.js';
import { withSyncNodeIds } from './ids.js';
import './user.js';
import './auth.js';
import './room.js';
import './message.js';
import './attachment.js';
import './events.js';
import './webhook.js';
import './moderation.js';
import './people.js';

export const schema = withSyncNodeIds(builder.toSchema());

/** The SDL checked in as schema.graphql. */
export const printedSchema = () => printSchema(lexicographicSortSchema(schema)) + '\n';
