import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import { createYoga } from 'graphql-yoga';
import type { Config } from './config.js';
import { useGraphiQL } from './http/graphiql.js';
import { useCsrfPrevention } from './http/use-csrf-prevention.js';
import { maxBodyBytesOf, useAttachments } from './http/use-attachments.js';
import { useHealth } from './http/use-health.js';
import { requestIdOf } from './http/request-id.js';
import { loadTrustedDocuments, useTrustedDocuments } from './http/trusted-documents.js';
import { useHttpSubscriptionsRefused } from './http/use-http-subscriptions-refused.js';
import { useMetricsEndpoint, useOperations } from './http/use-operations.js';
import { useRequestParams } from './http/use-request-params.js';
import { useTracing } from './http/use-tracing.js';
import { useWebApp } from './http/web-app.js';
import { yogaLogger } from './http/yoga-logger.js';
import { clientAddressOf, viewerFromAuthorization } from './auth/context.js';
import { createLogger, type LogFn, type Logger } from './infra/logger.js';
import type { Context } from './schema/context.js';
import { maskError, useInputErrorCodes } from './schema/errors.js';
import { schema } from './schema/index.js';
import { useSharedExecution } from './realtime/shared-execution.js';
import { createServices, type Services } from './services.js';
import { presignedOrigin } from './storage/s3-settings.js';
import { ConnectionPolicy } from './transport/policy.js';
import { serveServerSentEvents } from './transport/sse.js';
import { serveWebSockets } from './transport/ws.js';

export const GRAPHQL_PATH = '/graphql';

type ServerContext = { req: IncomingMessage; res: ServerResponse };

export interface App {
  services: Services;
  /** Listens on config.port (0: a free port) and resolves with the port taken. */
  start(): Promise<number>;
  /**
   * Stops accepting, ends live connections (WebSockets with 1012, event streams with a last
   * comment), finishes in-flight requests, closes the database.
   */
  stop(): Promise<void>;
  /** http://host:port once started. */
  readonly url: string;
}

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
  const contextFor = (fields: Omit<Context, 'log' | 'services'>): Context => ({
    ...fields,
    log: lazyLog(() => log.child({ requestId: fields.requestId, userId: fields.viewer?.userId })),
    services,
  });
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
    logging: yogaLogger(log.child({ source: 'yoga' })),
    // GraphiQL is served whole from here (http/graphiql.ts), not from a CDN.
    graphiql: false,
    maskedErrors: { maskError },
    cors: config.corsOrigins.length ? { origin: config.corsOrigins, credentials: true } : false,
    plugins: [
      // The web app's files at `/` (never the API's paths).
      useWebApp(
        {
          ...config.webApp,
          imageOrigins: config.attachments.s3 ? [presignedOrigin(config.attachments.s3)] : [],
        },
        log,
      ),
      ...(config.graphiql ? [useGraphiQL(GRAPHQL_PATH, { title: 'Chat API' })] : []),
      useInputErrorCodes(),
      useMetricsEndpoint(services.metrics),
      useOperations(services.metrics, log),
      ...(config.tracing ? [useTracing()] : []),
      useSharedExecution(services.metrics, maskError),
      useHttpSubscriptionsRefused(),
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
      useAttachments(services),
      useRequestParams(),
      useTrustedDocuments(trusted),
      ...(config.introspection ? [] : [useDisableIntrospection()]),
      useHealth(
        [
          { name: 'database', check: () => db.ping() },
          ...(bus.kind !== 'memory' ? [{ name: 'pubsub', check: () => bus.ping() }] : []),
        ],
        () => policy.draining,
      ),
      {
        onResponse({ request, response }) {
          for (const cookie of responseCookies.get(request) ?? []) response.headers.append('set-cookie', cookie);
        },
      },
    ],
    // HTTP requests build their context here; live transports pass theirs in (transport/policy.ts).
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
        transport: 'http',
      });
    },
  });

  const policy: ConnectionPolicy = new ConnectionPolicy(config, services, yoga as never, trusted, contextFor, log);
  bus.onResumed(() => {
    log.warn({ connections: policy.size }, 'pub/sub back: live clients told to fetch what they missed');
    policy.resumed();
  });
  const sse = serveServerSentEvents(GRAPHQL_PATH, policy);
  /** Responses not finished yet: told to close their connection when the drain starts. */
  const openResponses = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    const started = performance.now();
    const requestId = requestIdOf(req.headers);
    req.headers['x-request-id'] = requestId;
    res.setHeader('x-request-id', requestId);
    // While draining, no connection stays open for another request (a proxy's kept-alive
    // connection would otherwise go on bringing work here).
    if (policy.draining) res.setHeader('connection', 'close');
    openResponses.add(res);
    res.once('close', () => openResponses.delete(res));
    const refusal = bodyRefusal(req, maxBodyBytesOf(req, config));
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
    if (sse.accepts(req)) void sse.handle(req, res);
    else void yoga(req, res, { req, res });
  });

  const webSockets = serveWebSockets(server, GRAPHQL_PATH, policy);

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
      policy.drain();
      for (const res of openResponses) if (!res.headersSent) res.setHeader('connection', 'close');
      const deadline = config.shutdownTimeoutMs / 2;
      await new Promise<void>((resolve) => {
        // Resolves once every in-flight request has finished (their resolvers too, so no publish
        // is cut off by closing Redis below) or, at the deadline, been cut.
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => {
          server.closeAllConnections();
          // Event streams are HTTP responses, cut with the connections; upgraded sockets are not.
          webSockets.terminate();
        }, deadline).unref();
      });
      await webSockets.close();
      await services.close();
      log.info('server stopped');
    },
  };
}
