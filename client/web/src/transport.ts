/**
 * Where the API is and how operations travel: the same origin's /graphql, over HTTP for queries
 * and mutations and over a WebSocket (graphql-ws) for subscriptions — and, while that socket is
 * open, for the small mutations a live chat fires often (sends, read marks, typing, reactions).
 *
 * Queries and mutations are sent as persisted documents: codegen writes every operation's sha256
 * (`__meta__.hash`) and a manifest of hash → text that the server loads, so a request carries the
 * hash instead of the text. A server that does not know the hash answers PersistedQueryNotFound
 * and the exchange sends the text.
 */
import {
  getOperationName,
  makeResult,
  stringifyDocument,
  type Exchange,
  type ExecutionResult,
  type Operation,
  type OperationResult,
} from '@urql/core';
import { persistedExchange } from '@urql/exchange-persisted';
import type { Client as Socket, FormattedExecutionResult } from 'graphql-ws';
import { filter, make, makeSubject, map, merge, mergeMap, pipe, share, takeUntil, type Source } from 'wonka';

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

/**
 * The mutations sent on the open socket: each is safe to send twice, since a socket may drop after
 * the server ran it and before its answer came, and then it goes again over HTTP. sendMessage is
 * by its clientMessageId (the server answers a repeat with the first message); read marks, typing
 * and reactions set a state. None carries files: uploads stay on HTTP.
 */
const SOCKET_MUTATIONS: Record<string, (variables: { input?: { clientMessageId?: unknown } }) => boolean> = {
  sendMessage: (variables) => typeof variables.input?.clientMessageId === 'string',
  markRead: () => true,
  setTyping: () => true,
  addReaction: () => true,
  removeReaction: () => true,
};

/** The root field of an operation's document (each of the app's selects one, beside the cache's __typename). */
function rootFieldOf(operation: Operation): string | undefined {
  const definition = operation.query.definitions.find((d) => d.kind === 'OperationDefinition');
  const field = definition?.selectionSet.selections.find((s) => s.kind === 'Field' && s.name.value !== '__typename');
  return field?.kind === 'Field' ? field.name.value : undefined;
}

const goesOnSocket = (operation: Operation) => {
  if (operation.kind !== 'mutation') return false;
  const field = rootFieldOf(operation);
  return !!field && Object.hasOwn(SOCKET_MUTATIONS, field) && SOCKET_MUTATIONS[field]!(operation.variables as never);
};

/**
 * Runs `operation` on the socket; the result frame is its result. Undefined instead (and the
 * operation goes to `overHttp`) when the socket closes before the answer, or when the connection
 * refuses the operation before running it (a FORBIDDEN without a path: the server's limit of
 * operations per socket), which HTTP answers for itself.
 */
function onSocket(
  socket: Socket,
  operation: Operation,
  overHttp: (operation: Operation) => void,
): Source<OperationResult> {
  return make<OperationResult>(({ next, complete }) => {
    let done = false;
    let stop = () => {};
    const finish = (result?: FormattedExecutionResult<Record<string, unknown>, unknown>) => {
      if (done) return;
      done = true;
      unlisten();
      if (!result) {
        complete();
        return overHttp(operation);
      }
      next(makeResult(operation, result as ExecutionResult));
      complete();
    };
    // graphql-ws would send it again on its next socket: stopped, it goes over HTTP now instead.
    const unlisten = socket.on('closed', () => {
      stop();
      finish();
    });
    stop = socket.subscribe(
      {
        query: stringifyDocument(operation.query),
        operationName: getOperationName(operation.query),
        variables: operation.variables as Record<string, unknown>,
        extensions: operation.extensions as Record<string, unknown> | undefined,
      },
      {
        next: (result) => finish(result),
        error: (error) => {
          const errors = Array.isArray(error) ? (error as NonNullable<FormattedExecutionResult['errors']>) : undefined;
          const byConnection = errors?.every((e) => !e.path && e.extensions?.code === 'FORBIDDEN');
          finish(errors && !byConnection ? { errors } : undefined);
        },
        complete: () => finish(),
      },
    );
    return () => {
      if (done) return;
      done = true;
      unlisten();
      stop();
    };
  });
}

/**
 * Sends the SOCKET_MUTATIONS on the graphql-ws socket while it is open (`openSocket` says, and
 * never opens one), and everything else on to the next exchanges (HTTP). A mutation whose socket
 * drops before the answer continues over HTTP, under the same variables (the same clientMessageId).
 */
export function socketMutationsExchange(openSocket: () => Socket | undefined): Exchange {
  return ({ forward }) =>
    (operations$) => {
      const shared = share(operations$);
      const overHttp = makeSubject<Operation>();
      const routed = share(
        pipe(
          shared,
          map((operation) => ({ operation, socket: goesOnSocket(operation) ? openSocket() : undefined })),
        ),
      );
      const answered = pipe(
        routed,
        filter(({ socket }) => socket !== undefined),
        mergeMap(({ operation, socket }) =>
          pipe(
            onSocket(socket!, operation, overHttp.next),
            takeUntil(
              pipe(
                shared,
                filter((o) => o.kind === 'teardown' && o.key === operation.key),
              ),
            ),
          ),
        ),
      );
      const rest = pipe(
        routed,
        filter(({ socket }) => socket === undefined),
        map(({ operation }) => operation),
      );
      return merge([answered, forward(merge([rest, overHttp.source]))]);
    };
}
