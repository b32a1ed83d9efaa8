import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocket, WebSocketServer } from 'ws';
import { viewerFromConnectionParams } from '../auth/context.js';
import { nextHead } from '../realtime/frames.js';
import type { LiveOperation } from '../schema/context.js';
import type { Connection, ConnectionPolicy, EndReason, PreparedOperation } from './policy.js';

/** Close code sent to sockets when the server shuts down: "service restart", reconnect elsewhere. */
export const CLOSE_SERVICE_RESTART = 1012;
/** Close code for a socket whose token is missing its mark: bad at connect, or expired since. */
export const CLOSE_UNAUTHORIZED = 4401;
/** Close code for a client over a connection limit (rate per address, sockets per user). */
export const CLOSE_TOO_MANY = 4429;
/** Close code for a client too far behind (too much unsent): "try again later", and catch up. */
export const CLOSE_BEHIND = 1013;

const closeCodes: Record<EndReason, number> = {
  restart: CLOSE_SERVICE_RESTART,
  unauthorized: CLOSE_UNAUTHORIZED,
  'too-many': CLOSE_TOO_MANY,
  behind: CLOSE_BEHIND,
};

type Extra = { connection?: Connection };

/** ws marks the errors of a client's bad frames with the close code it sent (a symbol key). */
function statusCode(error: object): symbol {
  return Object.getOwnPropertySymbols(error).find((key) => key.description === 'status-code') ?? Symbol();
}

/** What of ws's internals `liveOperation` relies on: the TCP socket, and whether the sender is idle. */
type SocketInternals = { _socket?: Socket; _sender?: { _state?: number } };
const TEXT = { binary: false };

/**
 * Where a subscription's results go: straight to the TCP socket as the pre-built frame (the bytes
 * ws would write, in one write instead of a header and a body) while ws has nothing of its own in
 * progress on the socket, and through ws otherwise. No compression is negotiated (ws's default).
 * Nothing is written to a client too far behind: its connection is closed instead.
 */
function liveOperation(socket: WebSocket, id: string, connection: Connection): LiveOperation {
  const internals = socket as unknown as SocketInternals;
  const framesOurOwn = socket.extensions === '';
  return {
    id,
    head: nextHead(id),
    send({ frame, message }) {
      if (socket.readyState !== WebSocket.OPEN || connection.behind(socket.bufferedAmount)) return;
      const raw = internals._socket;
      if (framesOurOwn && internals._sender?._state === 0 && raw?.writable) raw.write(frame);
      else socket.send(message, TEXT);
    },
    listening: () => connection.listening(id),
  };
}

/**
 * How a socket hears that subscriptions listen: a graphql-ws `ping` whose payload names them,
 * `{"type":"ping","payload":{"listening":["1"]}}`. It comes once a subscription has started
 * listening, and again for all of a socket's subscriptions when the replica's pub/sub connection
 * was lost and is back. A client that fetches what it missed (messagesSince) when it hears one
 * misses nothing, without guessing how long a subscription takes to start. graphql-ws clients
 * answer it with a pong, as any ping.
 */
export const listeningMessage = (ids: readonly string[]) =>
  JSON.stringify({ type: 'ping', payload: { listening: ids } });

/**
 * GraphQL over WebSocket (graphql-transport-ws, the graphql-ws library) at `path`: a translation
 * of the protocol to the connection policy. Frames over `maxPayload` close the socket with 1009.
 */
export function serveWebSockets(server: Server, path: string, policy: ConnectionPolicy) {
  const { config } = policy;
  const wss = new WebSocketServer({ server, path, maxPayload: config.maxWsMessageBytes });
  useServer<Record<string, unknown>, Extra>(
    {
      execute: (args) => (args.rootValue as PreparedOperation['rootValue']).execute(args as ExecutionArgs) as never,
      subscribe: (args) => (args.rootValue as PreparedOperation['rootValue']).subscribe(args as ExecutionArgs) as never,
      onConnect: async (ctx) => {
        const { socket, request } = ctx.extra;
        const admitted = await policy.admit({
          transport: 'ws',
          request,
          viewer: () => viewerFromConnectionParams(policy.services.tokens, ctx.connectionParams),
          end: (reason, message) => socket.close(closeCodes[reason], message),
          listening: (ids) => {
            if (socket.readyState === WebSocket.OPEN) socket.send(listeningMessage(ids));
          },
        });
        if ('refused' in admitted) {
          socket.close(closeCodes[admitted.refused], admitted.message);
          return false;
        }
        ctx.extra.connection = admitted;
        if (socket.readyState !== WebSocket.OPEN) admitted.close();
        else socket.once('close', () => admitted.close());
        return true;
      },
      onSubscribe: (ctx, id, payload) =>
        ctx.extra.connection!.prepare(id, payload, {
          initial: { ...ctx, socket: ctx.extra.socket },
          live: liveOperation(ctx.extra.socket, id, ctx.extra.connection!),
        }) as never,
      onComplete: (ctx, id) => ctx.extra.connection?.finish(id),
    },
    wss,
    config.ws.keepAliveMs,
  );
  // graphql-ws prints every socket error with its stack to the console. Most are the client's: a
  // frame over the cap (1009) or one that breaks the protocol, which ws already closes with its
  // code. Those are logged as one info line; anything else is ours, logged as an error.
  const log = policy.log.child({ source: 'ws' });
  wss.on('connection', (socket) => {
    socket.removeAllListeners('error');
    socket.on('error', (error: Error & { code?: string }) => {
      const status = (error as unknown as Record<symbol, unknown>)[statusCode(error)];
      if (typeof status === 'number') {
        log.info({ code: error.code, status, message: error.message }, 'socket closed for a bad frame');
        return;
      }
      log.error({ err: error }, 'socket error');
      socket.close(1011, 'Internal server error');
    });
  });
  return {
    /** Cuts the sockets still open (at the drain deadline). */
    terminate: () => {
      for (const socket of wss.clients) socket.terminate();
    },
    close: () => new Promise<void>((resolve) => wss.close(() => resolve())),
  };
}
