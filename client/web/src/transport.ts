/**
 * Where the API is and how operations travel: the same origin's /graphql, over HTTP for queries
 * and mutations and over a WebSocket (graphql-ws) for subscriptions.
 *
 * Queries and mutations are sent as persisted documents: codegen writes every operation's sha256
 * (`__meta__.hash`) and a manifest of hash → text that the server loads, so a request carries the
 * hash instead of the text. A server that does not know the hash answers PersistedQueryNotFound
 * and the exchange sends the text.
 */
import { persistedExchange } from '@urql/exchange-persisted';

export const GRAPHQL_URL = '/graphql';
export const WS_URL = new URL(GRAPHQL_URL, location.href.replace(/^http/, 'ws')).href;

export const persisted = [
  persistedExchange({
    enforcePersistedQueries: false,
    enableForMutation: true,
    // The hash codegen computed; none (a document written by hand): the text is sent.
    generateHash: (_query, document) =>
      Promise.resolve((document as { __meta__?: { hash?: string } }).__meta__?.hash ?? ''),
  }),
];
