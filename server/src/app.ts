import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getOperationAST, GraphQLError, type DocumentNode, type ExecutionArgs } from 'graphql';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import { createYoga } from 'graphql-yoga';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocket, WebSocketServer } from 'ws';
import type { Config } from './config.js';
import { useCsrfPrevention } from './http/use-csrf-prevention.js';
import { useHealth } from './http/use-health.js';
import { loadTrustedDocuments, useTrustedDocuments, type RequestDocument } from './http/trusted-documents.js';
import { useMetricsEndpoint, useOperations } from './http/use-operations.js';
import { useWebApp } from './http/web-app.js';
import { clientAddressOf, viewerFromAuthorization, viewerFromConnectionParams } from './auth/context.js';
import { createLogger, type LogFn, type Logger } from './infra/logger.js';
import type { Context, Viewer } from './schema/context.js';
import { asBadInput, maskError, useInputErrorCodes } from './schema/errors.js';
import { schema } from './schema/index.js';
import { fieldOf, useSharedExecution } from './realtime/shared-execution.js';
import { createServices, type Services } from './services.js';

export const GRAPHQL_PATH = '/graphql';
/** Close code sent to sockets when the server shuts down: "service restart", reconnect elsewhere. */
export const CLOSE_SERVICE_RESTART = 1012;

type ServerContext = { req: IncomingMessage; res: ServerResponse };

export interface App {
  services: Services;
  /** Listens on config.port (0: a free port) and resolves with the port taken. */
  start(): Promise<number>;
  /** Stops accepting, closes sockets with 1012, finishes in-flight requests, closes the database. */
  stop(): Promise<void>;
  /** http://host:port once started. */
  readonly url: string;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * A request's logger, made when first written to: most requests and subscriptions never log, and a
 * child logger costs more than the rest of a small request's context. (A getter would not do: the
 * envelope copies the context into its own with Object.assign, which reads it.)
 */
function lazyLog(make: () => Logger): Context['log'] {
  let child: Logger | undefined;
  const level =
    (name: keyof Context['log']): LogFn =>
    (...args: unknown[]) =>
      ((child ??= make())[name] as (...args: unknown[]) => void)(...args);
  return { debug: level('debug'), info: level('info'), warn: level('warn'), error: level('error') };
}

function requestIdOf(headers: { get(name: string): string | null } | IncomingMessage['headers']): string {
  const given =
    'get' in headers && typeof headers.get === 'function'
      ? headers.get('x-request-id')
      : (headers as IncomingMessage['headers'])['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** Close code for a socket whose token is missing its mark: bad at connect, or expired since. */
export const CLOSE_UNAUTHORIZED = 4401;
/** Close code for a user who has more sockets open than allowed. */
export const CLOSE_TOO_MANY = 4429;
/** The longest delay setTimeout takes. */
const MAX_TIMER_MS = 2_147_483_647;

type SocketExtra = {
  requestId: string;
  viewer: Viewer | null;
  clientAddress: string;
  /** Root field of each active subscription, by operation id (for the metrics). */
  subscriptions?: Map<string, string>;
};

export interface BuildOptions {
  /** Count SQL statements (tests check how many one request costs). */
  countQueries?: boolean;
}

/** A request whose body is too big (413) or of unknown length (411), or null to go ahead. */
function bodyRefusal(req: IncomingMessage, maxBytes: number): { status: number; message: string } | null {
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return null;
  const length = req.headers['content-length'];
  if (length === undefined) {
    return req.headers['transfer-encoding'] ? { status: 411, message: 'A request body needs a Content-Length' } : null;
  }
  return Number(length) > maxBytes ? { status: 413, message: `The request body is over ${maxBytes} bytes` } : null;
}

export async function buildApp(
  config: Config,
  log: Logger = createLogger(config),
  options: BuildOptions = {},
): Promise<App> {
  const trusted = loadTrustedDocuments(config.trustedDocuments);
  const services = await createServices(config, log, options);
  const { db, bus, tokens } = services;
  let draining = false;
  const contextFor = (fields: Omit<Context, 'log' | 'services'>): Context => ({
    ...fields,
    log: lazyLog(() => log.child({ requestId: fields.requestId, userId: fields.viewer?.userId })),
    services,
  });
  /** Open sockets of each signed-in user on this replica (MAX_SOCKETS_PER_USER). */
  const socketsOfUser = new Map<string, number>();
  /** Set-Cookie values of each HTTP request's resolvers, added to its response. */
  const responseCookies = new WeakMap<Request, string[]>();

  const yoga = createYoga<ServerContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    // GraphQL over HTTP's name for a trusted document's id (trusted-documents.ts).
    extraParamNames: ['documentId'],
    landingPage: false,
    // The HTTP server refuses bodies over MAX_BODY_BYTES by their Content-Length, and bodies without
    // one (bodyRefusal), before yoga sees them; Node's parser never reads past a Content-Length. Yoga's
    // own limit would pipe every body through one more stream to count it again.
    maxRequestBodySize: false,
    healthCheckEndpoint: '/yoga-health',
    logging: log.child({ source: 'yoga' }),
    graphiql: config.graphiql ? { subscriptionsProtocol: 'WS', title: 'Chat API' } : false,
    maskedErrors: { maskError },
    cors: config.corsOrigins.length ? { origin: config.corsOrigins, credentials: true } : false,
    plugins: [
      // The web app's files at `/` (never the API's paths).
      useWebApp(config.webApp, log),
      useInputErrorCodes(),
      useMetricsEndpoint(services.metrics),
      useOperations(services.metrics, log),
      useSharedExecution(services.metrics, maskError),
      // Depth, cost, aliases, tokens and directives: refused while parsing and validating,
      // before anything runs (on WebSocket too: it shares this envelope).
      EnvelopArmorPlugin({
        maxDepth: { n: config.graphqlLimits.maxDepth, ignoreIntrospection: true, flattenFragments: true },
        costLimit: { maxCost: config.graphqlLimits.maxCost, ignoreIntrospection: true, flattenFragments: true },
        maxAliases: { n: config.graphqlLimits.maxAliases },
        maxTokens: { n: config.graphqlLimits.maxTokens },
        maxDirectives: { n: config.graphqlLimits.maxDirectives },
        blockFieldSuggestion: { enabled: config.production },
      }),
      useCsrfPrevention(),
      useTrustedDocuments(trusted),
      ...(config.introspection ? [] : [useDisableIntrospection()]),
      useHealth(
        [
          { name: 'database', check: () => db.ping() },
          ...(bus.kind === 'redis' ? [{ name: 'pubsub', check: () => bus.ping() }] : []),
        ],
        () => draining,
      ),
      {
        onResponse({ request, response }) {
          for (const cookie of responseCookies.get(request) ?? []) response.headers.append('set-cookie', cookie);
        },
      },
    ],
    // HTTP requests build their context here; WebSocket operations pass theirs in (onSubscribe).
    context: async (initial): Promise<Partial<Context>> => {
      if ('services' in initial) return {};
      const { request, req } = initial;
      const setCookies: string[] = [];
      responseCookies.set(request, setCookies);
      return contextFor({
        requestId: requestIdOf(request.headers),
        viewer: viewerFromAuthorization(tokens, request.headers.get('authorization')),
        clientAddress: clientAddressOf(req, config.trustProxy),
        userAgent: request.headers.get('user-agent'),
        http: { cookie: request.headers.get('cookie'), setCookies },
      });
    },
  });

  /** Responses not finished yet: told to close their connection when the drain starts. */
  const openResponses = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    const started = performance.now();
    const requestId = requestIdOf(req.headers);
    req.headers['x-request-id'] = requestId;
    res.setHeader('x-request-id', requestId);
    // While draining, no connection stays open for another request (a proxy's kept-alive
    // connection would otherwise go on bringing work here).
    if (draining) res.setHeader('connection', 'close');
    openResponses.add(res);
    res.once('close', () => openResponses.delete(res));
    const refusal = bodyRefusal(req, config.maxBodyBytes);
    if (refusal) {
      res.writeHead(refusal.status, { 'content-type': 'application/json', connection: 'close' });
      res.end(JSON.stringify({ errors: [{ message: refusal.message, extensions: { code: 'BAD_USER_INPUT' } }] }));
      req.destroy();
      return;
    }
    res.on('finish', () => {
      // Operations log themselves (use-operations.ts); this line is for what is not one.
      log[res.statusCode >= 400 ? 'info' : 'debug'](
        {
          requestId,
          method: req.method,
          url: req.url,
          status: res.statusCode,
          ms: Math.round(performance.now() - started),
        },
        'request',
      );
    });
    void yoga(req, res, { req, res });
  });

  // Frames over the cap close the socket with 1009 (message too big).
  const wss = new WebSocketServer({ server, path: GRAPHQL_PATH, maxPayload: config.maxWsMessageBytes });
  useServer<Record<string, unknown>, SocketExtra>(
    {
      execute: (args) => (args.rootValue as { execute: (a: ExecutionArgs) => unknown }).execute(args) as never,
      subscribe: (args) => (args.rootValue as { subscribe: (a: ExecutionArgs) => unknown }).subscribe(args) as never,
      onConnect: async (ctx) => {
        const { socket, request } = ctx.extra;
        if (draining) {
          socket.close(CLOSE_SERVICE_RESTART, 'service restart');
          return false;
        }
        ctx.extra.requestId = requestIdOf(request.headers);
        ctx.extra.clientAddress = clientAddressOf(request, config.trustProxy);
        try {
          await services.limits.consume('connect', { address: ctx.extra.clientAddress });
        } catch (error) {
          socket.close(CLOSE_TOO_MANY, (error as Error).message);
          return false;
        }
        let viewer: Viewer | null;
        try {
          viewer = viewerFromConnectionParams(tokens, ctx.connectionParams);
        } catch (error) {
          socket.close(CLOSE_UNAUTHORIZED, (error as Error).message);
          return false;
        }
        ctx.extra.viewer = viewer;
        if (viewer) {
          // The socket lives as long as its token: at expiry the client refreshes and reconnects.
          const expiry = setTimeout(
            () => socket.close(CLOSE_UNAUTHORIZED, 'Access token expired'),
            Math.min(MAX_TIMER_MS, Math.max(0, viewer.tokenExpiresAt - Date.now())),
          );
          socket.once('close', () => clearTimeout(expiry));
          const sockets = (socketsOfUser.get(viewer.userId) ?? 0) + 1;
          if (sockets > config.ws.maxSocketsPerUser) {
            socket.close(CLOSE_TOO_MANY, `Too many connections for this user (at most ${config.ws.maxSocketsPerUser})`);
            return false;
          }
          socketsOfUser.set(viewer.userId, sockets);
          socket.once('close', () => {
            const left = (socketsOfUser.get(viewer.userId) ?? 1) - 1;
            if (left > 0) socketsOfUser.set(viewer.userId, left);
            else socketsOfUser.delete(viewer.userId);
          });
        }
        services.metrics.wsConnections.inc();
        socket.once('close', () => {
          services.metrics.wsConnections.dec();
          for (const field of ctx.extra.subscriptions?.values() ?? [])
            services.metrics.subscriptionsActive.dec({ field });
          ctx.extra.subscriptions?.clear();
        });
        const leave = await services.presence.connect(viewer?.userId ?? null);
        if (socket.readyState !== socket.OPEN) await leave();
        else socket.once('close', () => void leave());
        return true;
      },
      onSubscribe: async (ctx, id, payload) => {
        if (Object.keys(ctx.subscriptions).length > config.ws.maxSubscriptionsPerSocket) {
          return [
            new GraphQLError(
              `Too many subscriptions on this connection (at most ${config.ws.maxSubscriptionsPerSocket})`,
              {
                extensions: { code: 'FORBIDDEN' },
              },
            ),
          ];
        }
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
        });
        let query: string;
        try {
          query = trusted.queryOf(payload as RequestDocument);
        } catch (error) {
          return [error as GraphQLError];
        }
        let document: DocumentNode;
        try {
          document = parse(query);
        } catch (error) {
          if (error instanceof Error && 'locations' in error) return [asBadInput(error as GraphQLError)];
          throw error;
        }
        let errors: readonly GraphQLError[];
        try {
          errors = validate(schema, document);
        } catch (error) {
          // Some document limits throw instead of reporting: a refusal all the same.
          if (error instanceof Error && 'locations' in error) return [asBadInput(error as GraphQLError)];
          throw error;
        }
        if (errors.length) return errors;
        const operation = getOperationAST(document, payload.operationName);
        if (operation?.operation === 'subscription') {
          const field = fieldOf(document, payload.operationName);
          ctx.extra.subscriptions ??= new Map();
          ctx.extra.subscriptions.set(id, field);
          services.metrics.subscriptionsActive.inc({ field });
        }
        const contextValue = await contextFactory(
          contextFor({
            requestId: ctx.extra.requestId ?? randomUUID(),
            viewer: ctx.extra.viewer ?? null,
            clientAddress: ctx.extra.clientAddress ?? 'unknown',
            userAgent: ctx.extra.request.headers['user-agent'] ?? null,
            http: null,
            live: {
              id,
              write: (frame) => {
                if (ctx.extra.socket.readyState === WebSocket.OPEN) ctx.extra.socket.send(frame);
              },
            },
          }),
        );
        return {
          schema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue,
          rootValue: { execute, subscribe },
        };
      },
      onComplete: (ctx, id) => {
        const field = ctx.extra.subscriptions?.get(id);
        if (field === undefined) return;
        ctx.extra.subscriptions!.delete(id);
        services.metrics.subscriptionsActive.dec({ field });
      },
    },
    wss,
    config.ws.keepAliveMs,
  );

  let port = 0;
  return {
    services,
    get url() {
      return `http://${config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host}:${port}`;
    },
    async start() {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      port = (server.address() as AddressInfo).port;
      log.info({ port, host: config.host, database: db.kind, pubsub: bus.kind }, 'server listening');
      return port;
    },
    async stop() {
      draining = true;
      for (const res of openResponses) if (!res.headersSent) res.setHeader('connection', 'close');
      for (const socket of wss.clients) socket.close(CLOSE_SERVICE_RESTART, 'service restart');
      const deadline = config.shutdownTimeoutMs / 2;
      await new Promise<void>((resolve) => {
        // Resolves once every in-flight request has finished (their resolvers too, so no publish
        // is cut off by closing Redis below) or, at the deadline, been cut.
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => {
          server.closeAllConnections();
          for (const socket of wss.clients) socket.terminate();
        }, deadline).unref();
      });
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await services.close();
      log.info('server stopped');
    },
  };
}
