import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ExecutionArgs, ExecutionResult } from 'graphql';
import { createHandler, type Request as SseRequest, type RequestParams } from 'graphql-sse';
import { viewerFromAuthorization } from '../auth/context.js';
import { maskError } from '../schema/errors.js';
import {
  tokenExpiredResult,
  type Connection,
  type ConnectionPolicy,
  type EndReason,
  type PreparedOperation,
} from './policy.js';

/** graphql-sse's names for a single-connection stream's token, in a header or the query string. */
const TOKEN_HEADER = 'x-graphql-event-stream-token';
const TOKEN_PARAM = 'token';

const refusalStatus: Record<EndReason, { status: number; code: string }> = {
  restart: { status: 503, code: 'UNAVAILABLE' },
  unauthorized: { status: 401, code: 'UNAUTHENTICATED' },
  'too-many': { status: 429, code: 'RATE_LIMITED' },
  behind: { status: 503, code: 'UNAVAILABLE' },
};

/** One open event stream: a connection of the policy, and what its operations are doing. */
interface Stream {
  connection: Connection;
  res: ServerResponse;
  /** Running operations, by id ("" in distinct-connections mode): each ends early with a result. */
  operations: Map<string, ((last: ExecutionResult) => void) | null>;
  /** Set once the stream is to end after its operations' last events. */
  ending: boolean;
  /** Ends the response after what is queued has been written. */
  finish?: () => void;
}

/** What the handler's hooks need to know of an operation: its stream and id. */
interface OperationOf {
  stream: Stream;
  id: string;
}

/**
 * GraphQL over server-sent events (the graphql-sse protocol) on the API's path, in both of its
 * modes: distinct connections (each `Accept: text/event-stream` request is one operation's stream)
 * and single connection (`PUT` reserves a stream, `GET` opens it, operations are `POST`ed to it and
 * stopped with `DELETE`). Each event stream is one connection of the policy: authenticated by its
 * `Authorization` header, counted, ended with an UNAUTHENTICATED result when its token expires,
 * and cut with a final comment when the server drains (clients reconnect elsewhere).
 */
export function serveServerSentEvents(path: string, policy: ConnectionPolicy) {
  /** Streams being opened or open, by the request that opened them or names them (operations). */
  const streamOfRequest = new WeakMap<IncomingMessage, Stream>();
  /** Open single-connection streams, by token. */
  const byToken = new Map<string, Stream>();
  const tokens = streamTokens(policy.services.cursorSecret);
  const operationOf = new WeakMap<object, OperationOf>();

  const handler = createHandler<IncomingMessage, undefined, Record<string, unknown>>({
    authenticate: (req) =>
      req.headers.get(TOKEN_HEADER) || new URL(req.url, 'http://x').searchParams.get(TOKEN_PARAM) || randomUUID(),
    onSubscribe: async (req, params) => {
      const stream = streamOfRequest.get(req.raw)!;
      const id = operationIdOf(params);
      const prepared = await stream.connection.prepare(id, params as never, {
        initial: { request: req.raw },
      });
      // A result (not arguments): graphql-sse sends it as the operation's one event, then completes it.
      if (Array.isArray(prepared)) return { data: null, errors: prepared.map((e) => maskError(e)) } as never;
      const operation = prepared as PreparedOperation;
      stream.operations.set(id, null);
      operationOf.set(operation.contextValue as object, { stream, id });
      return operation as never;
    },
    execute: (args) => run(args, 'execute'),
    subscribe: (args) => run(args, 'subscribe'),
    onComplete: (ctx) => {
      const of = ctx ? operationOf.get(ctx) : undefined;
      if (!of) return;
      of.stream.operations.delete(of.id);
      of.stream.connection.finish(of.id);
      if (of.stream.ending && of.stream.operations.size === 0) of.stream.finish?.();
    },
  });

  /** Runs an operation; a subscription's results can be ended early with one last result. */
  async function run(args: ExecutionArgs, how: 'execute' | 'subscribe') {
    const result = (await (args.rootValue as PreparedOperation['rootValue'])[how](args)) as
      ExecutionResult | AsyncIterableIterator<ExecutionResult>;
    const of = operationOf.get(args.contextValue as object);
    if (!of || !isAsyncIterable(result)) return result;
    const { iterator, end } = endable(result);
    if (of.stream.operations.has(of.id)) of.stream.operations.set(of.id, end);
    return iterator;
  }

  function end(stream: Stream, reason: EndReason) {
    if (reason === 'unauthorized') {
      // Each operation ends with the error, then the stream: the client refreshes and reconnects.
      stream.ending = true;
      for (const endOperation of stream.operations.values()) endOperation?.(tokenExpiredResult());
      if (stream.operations.size === 0) stream.finish?.();
      return;
    }
    stream.ending = true;
    // Too far behind: whatever is written now waits behind the backlog; the response is cut, and
    // the client reconnects and catches up.
    if (reason === 'behind') {
      stream.res.destroy();
      return;
    }
    // Restart: no `complete` may reach the client (it would take its subscriptions as finished);
    // a last comment and the end of the response make it reconnect, elsewhere.
    if (!stream.res.writableEnded) stream.res.end(': service restart\n\n');
  }

  async function open(req: IncomingMessage, res: ServerResponse, token: string | undefined) {
    if (token !== undefined && !tokens.valid(token)) {
      return answer(res, 404, { errors: [{ message: 'Stream not found: reserve one with PUT first' }] });
    }
    if (token !== undefined && byToken.has(token)) {
      return answer(res, 409, { errors: [{ message: 'Stream already open' }] });
    }
    const admitted = await policy.admit({
      transport: 'sse',
      request: req,
      viewer: () => viewerFromAuthorization(policy.services.tokens, req.headers.authorization),
      end: (reason) => {
        const opened = streamOfRequest.get(req);
        if (opened) end(opened, reason);
      },
    });
    if ('refused' in admitted) {
      const { status, code } = refusalStatus[admitted.refused];
      return answer(res, status, { errors: [{ message: admitted.message, extensions: { code } }] });
    }
    const stream: Stream = { connection: admitted, res, operations: new Map(), ending: false };
    streamOfRequest.set(req, stream);
    if (token !== undefined) {
      byToken.set(token, stream);
      // graphql-sse opens only streams it reserved itself: reserve it now, on this replica.
      await handler(reservation(path, token));
    }
    res.once('close', () => {
      admitted.close();
      if (token !== undefined) byToken.delete(token);
    });
    await respond(req, res, stream);
  }

  /** Passes a request to graphql-sse and writes its answer; an event stream is written as it comes. */
  async function respond(req: IncomingMessage, res: ServerResponse, stream?: Stream) {
    const [body, init] = await handler(toSseRequest(req));
    if (!body || typeof body === 'string') {
      if (stream) stream.connection.close();
      res.writeHead(init.status, init.statusText, init.headers);
      res.end(body ?? undefined);
      return;
    }
    res.writeHead(init.status, init.statusText, init.headers);
    if (stream) stream.finish = () => void body.return(undefined);
    res.once('close', () => void body.return(undefined));
    for await (const chunk of body) {
      if (res.writableEnded || stream?.res.writableEnded || res.destroyed) break;
      if (stream?.connection.behind(res.writableLength)) break;
      res.write(chunk);
    }
    if (!res.writableEnded && !res.destroyed) res.end();
  }

  return {
    /** Whether a request to the API's path belongs to this transport (else it is plain HTTP). */
    accepts(req: IncomingMessage): boolean {
      // Asked of every request: the cheap tests first, the URL parsed only for one that may be ours.
      const mayBe =
        req.method === 'PUT' ||
        req.method === 'DELETE' ||
        req.headers.accept?.trim() === 'text/event-stream' ||
        tokenOf(req) !== undefined;
      return mayBe && new URL(req.url ?? '/', 'http://x').pathname === path;
    },

    async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const token = tokenOf(req);
      if (req.headers.accept?.trim() === 'text/event-stream') return open(req, res, token);
      if (req.method === 'PUT') {
        // A reservation keeps nothing; opening the stream is what counts against the connect rate.
        if (policy.draining) return answer(res, 503, { errors: [{ message: 'service restart' }] });
        res.writeHead(201, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(tokens.issue());
        return;
      }
      // Operations (POST) and their stops (DELETE) name an open stream.
      const stream = token === undefined ? undefined : byToken.get(token);
      if (!stream) return answer(res, 404, { errors: [{ message: 'Stream not found' }] });
      streamOfRequest.set(req, stream);
      return respond(req, res);
    },
  };
}

/**
 * Single-connection streams' tokens: random, and signed with a key every replica derives from the
 * server's secret. Reserving a stream (PUT) keeps nothing: any replica opens the stream a valid
 * token names, so a load balancer only needs to send a token's requests to one replica (it hashes
 * the token: deploy/nginx.conf), not the reservation too.
 */
function streamTokens(secret: Buffer) {
  const key = createHmac('sha256', secret).update('event stream tokens').digest();
  const sign = (id: string) => createHmac('sha256', key).update(id).digest().subarray(0, 16);
  return {
    issue: () => {
      const id = randomUUID();
      return `${id}.${sign(id).toString('base64url')}`;
    },
    valid(token: string): boolean {
      const [id, mac, extra] = token.split('.');
      if (!id || !mac || extra !== undefined) return false;
      const given = Buffer.from(mac, 'base64url');
      return given.length === 16 && timingSafeEqual(given, sign(id));
    },
  };
}

/** A reservation of `token` as graphql-sse takes it (PUT with the token). */
function reservation(path: string, token: string): SseRequest<IncomingMessage, undefined> {
  return {
    method: 'PUT',
    url: path,
    headers: { get: (name: string) => ({ accept: '*/*', [TOKEN_HEADER]: token })[name] },
    body: null,
    raw: undefined as never,
    context: undefined,
  };
}

function tokenOf(req: IncomingMessage): string | undefined {
  const header = req.headers[TOKEN_HEADER];
  if (typeof header === 'string' && header) return header;
  const url = req.url ?? '/';
  if (!url.includes('?')) return undefined; // no query, no parameter: spare parsing the URL
  return new URL(url, 'http://x').searchParams.get(TOKEN_PARAM) ?? undefined;
}

function operationIdOf(params: RequestParams): string {
  const id = params.extensions?.operationId;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : '';
}

function toSseRequest(req: IncomingMessage): SseRequest<IncomingMessage, undefined> {
  return {
    method: req.method!,
    url: req.url!,
    headers: {
      get(name: string) {
        const value = req.headers[name];
        return Array.isArray(value) ? value.join('\n') : value;
      },
    },
    body: () =>
      new Promise<string>((resolve, reject) => {
        let text = '';
        req.setEncoding('utf8');
        req.on('data', (chunk: string) => (text += chunk));
        req.once('error', reject);
        req.once('end', () => resolve(text));
      }),
    raw: req,
    context: undefined,
  };
}

function answer(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    ...(status === 503 ? { 'retry-after': '1' } : {}),
  });
  res.end(JSON.stringify(body));
}

function isAsyncIterable(value: unknown): value is AsyncIterableIterator<ExecutionResult> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/** `source`, and a function that ends it early: the iterator yields `last`, then is done. */
function endable(source: AsyncIterableIterator<ExecutionResult>) {
  let endWith: ((last: ExecutionResult) => void) | undefined;
  const ended = new Promise<ExecutionResult>((resolve) => (endWith = resolve));
  let done = false;
  const finish = async (): Promise<IteratorResult<ExecutionResult>> => {
    done = true;
    await source.return?.(undefined);
    return { done: true, value: undefined };
  };
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      if (done) return { done: true, value: undefined };
      const item = await Promise.race([source.next(), ended.then((last) => ({ last }))]);
      if ('last' in item) {
        await finish();
        return { done: false, value: item.last };
      }
      return item;
    },
    return: finish,
    async throw(error) {
      await finish();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return { iterator, end: (last: ExecutionResult) => endWith!(last) };
}
