import type { IncomingMessage } from 'node:http';
import {
  getOperationAST,
  GraphQLError,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import type { YogaServerInstance } from 'graphql-yoga';
import { clientAddressOf } from '../auth/context.js';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import { requestIdOf } from '../http/request-id.js';
import type { RequestDocument, TrustedDocuments } from '../http/trusted-documents.js';
import type { Logger } from '../infra/logger.js';
import { fieldOf } from '../realtime/shared-execution.js';
import type { Context, LiveOperation, Transport, Viewer } from '../schema/context.js';
import { asBadInput } from '../schema/errors.js';
import type { Services } from '../services.js';

/**
 * The one connection policy of every live transport (WebSocket, server-sent events): who may
 * connect (draining, connect rate per address, token, connections per user), how long (until the
 * token expires, until the server drains), what is counted (presence, metrics by transport) and how
 * an operation is prepared (trusted documents, parse, validate with the document limits, the
 * request's context). An adapter only translates its protocol to these calls, so a new transport
 * is one small file.
 */

/** Why the policy ends or refuses a connection; each transport says it its own way. */
export type EndReason = 'restart' | 'unauthorized' | 'too-many' | 'behind';

export interface Refusal {
  refused: EndReason;
  message: string;
}

export interface ConnectionSpec {
  transport: Transport;
  request: IncomingMessage;
  /** The connection's viewer, null for a guest; throws (UNAUTHENTICATED) for a bad token. */
  viewer(): Viewer | null;
  /** Ends the connection the transport's way; called at token expiry and when the server drains. */
  end(reason: EndReason, message: string): void;
  /**
   * Tells the client that these subscriptions listen. A transport that cannot say it leaves this
   * out: when events were lost, its connections are ended instead, and their clients catch up as
   * after any reconnection.
   */
  listening?(ids: readonly string[]): void;
}

/** An operation ready to run: graphql-ws and graphql-sse both take these arguments. */
export type PreparedOperation = ExecutionArgs & {
  rootValue: {
    execute(args: ExecutionArgs): unknown;
    subscribe(args: ExecutionArgs): unknown;
  };
};

/** The longest delay setTimeout takes. */
const MAX_TIMER_MS = 2_147_483_647;

/** The error a live operation ends with when its connection's token expires. */
export const tokenExpiredResult = (): ExecutionResult => ({
  errors: [new GraphQLError('Access token expired', { extensions: { code: 'UNAUTHENTICATED' } })],
});

type ContextFor = (fields: Omit<Context, 'log' | 'services'>) => Context;

export class ConnectionPolicy {
  private readonly open = new Set<Connection>();
  /** Open connections of each signed-in user on this replica, every transport together. */
  private readonly perUser = new Map<string, number>();
  private drainingSince: number | null = null;

  constructor(
    readonly config: Config,
    readonly services: Services,
    readonly yoga: YogaServerInstance<Record<string, unknown>, Partial<Context>>,
    readonly trusted: TrustedDocuments,
    readonly contextFor: ContextFor,
    readonly log: Logger,
  ) {}

  get draining(): boolean {
    return this.drainingSince !== null;
  }

  /** Admits a connection, or says why not (the adapter tells the client and closes). */
  async admit(spec: ConnectionSpec): Promise<Connection | Refusal> {
    if (this.draining) return { refused: 'restart', message: 'service restart' };
    const { request } = spec;
    const clientAddress = this.clientAddressOf(request);
    try {
      await this.services.limits.consume('connect', { address: clientAddress });
    } catch (error) {
      return { refused: 'too-many', message: (error as Error).message };
    }
    let viewer: Viewer | null;
    try {
      viewer = spec.viewer();
    } catch (error) {
      return { refused: 'unauthorized', message: error instanceof AppError ? error.message : 'Invalid access token' };
    }
    if (viewer) {
      const max = this.config.ws.maxSocketsPerUser;
      if ((this.perUser.get(viewer.userId) ?? 0) >= max) {
        return { refused: 'too-many', message: `Too many connections for this user (at most ${max})` };
      }
    }
    const requestId = requestIdOf(request.headers);
    const connection = new Connection(this, spec, viewer, clientAddress, requestId);
    this.open.add(connection);
    if (viewer) this.perUser.set(viewer.userId, (this.perUser.get(viewer.userId) ?? 0) + 1);
    this.services.metrics.connectionOpened(spec.transport);
    await connection.countPresence();
    if (this.draining) {
      // The drain began while this one was being admitted.
      connection.close();
      return { refused: 'restart', message: 'service restart' };
    }
    return connection;
  }

  clientAddressOf(request: IncomingMessage): string {
    return clientAddressOf(request, this.config.trustProxy);
  }

  /** Ends every connection ("reconnect elsewhere"); new ones are refused from now on. */
  drain(): void {
    this.drainingSince ??= Date.now();
    for (const connection of [...this.open]) connection.end('restart', 'service restart');
  }

  /**
   * The pub/sub connection was lost and is back, listening again: the events published meanwhile
   * never came. Every live connection is told that its subscriptions listen again, so that its
   * clients fetch what they missed with messagesSince; the subscriptions themselves go on (or, on
   * a transport that cannot say so, the connection ends and its client reconnects).
   */
  resumed(): void {
    for (const connection of this.open) connection.resumed();
  }

  /** Open connections on this replica. */
  get size(): number {
    return this.open.size;
  }

  /** @internal Called once by a connection when its transport closed. */
  released(connection: Connection): void {
    if (!this.open.delete(connection)) return;
    const userId = connection.viewer?.userId;
    if (userId) {
      const left = (this.perUser.get(userId) ?? 1) - 1;
      if (left > 0) this.perUser.set(userId, left);
      else this.perUser.delete(userId);
    }
    this.services.metrics.connectionClosed(connection.transport);
  }
}

/** One admitted connection of any transport. */
export class Connection {
  /** Root field of each active subscription, by operation id (for the metrics). */
  private readonly subscriptions = new Map<string, string>();
  private expiry: NodeJS.Timeout | undefined;
  private leavePresence: (() => Promise<void>) | undefined;
  private closed = false;
  private endedBehind = false;
  readonly transport: Transport;

  constructor(
    private readonly policy: ConnectionPolicy,
    private readonly spec: ConnectionSpec,
    readonly viewer: Viewer | null,
    readonly clientAddress: string,
    readonly requestId: string,
  ) {
    this.transport = spec.transport;
    if (viewer) {
      // The connection lives as long as its token: at expiry the client refreshes and reconnects.
      this.expiry = setTimeout(
        () => this.end('unauthorized', 'Access token expired'),
        Math.min(MAX_TIMER_MS, Math.max(0, viewer.tokenExpiresAt - Date.now())),
      );
    }
  }

  /** @internal Counts the connection in presence (released at close, even if it closed meanwhile). */
  async countPresence(): Promise<void> {
    const leave = await this.policy.services.presence.connect(this.viewer?.userId ?? null);
    if (this.closed) await leave();
    else this.leavePresence = leave;
  }

  end(reason: EndReason, message: string): void {
    if (!this.closed) this.spec.end(reason, message);
  }

  /**
   * Subscription `id` listens now: everything published from here on reaches it. Its client may
   * have missed what was stored before (while the socket reconnected, or the subscription was set
   * up), and fetches that now, knowing that nothing after it will be missed.
   */
  listening(id: string): void {
    if (!this.closed) this.spec.listening?.([id]);
  }

  /** @internal The pub/sub is back (ConnectionPolicy.resumed): every subscription listens again. */
  resumed(): void {
    if (this.closed || this.subscriptions.size === 0) return;
    if (this.spec.listening) this.spec.listening([...this.subscriptions.keys()]);
    else this.spec.end('restart', 'Live events were lost: reconnect, and catch up with messagesSince');
  }

  /**
   * Whether the client is too far behind to go on: `unsent` bytes are waiting to be sent to it
   * (over MAX_UNSENT_BYTES_PER_CONNECTION), because it reads slower than events come. Such a
   * connection is ended (once); nothing more should be written to it. The client reconnects and
   * catches up with messagesSince, and the replica does not hold an unbounded backlog for it.
   */
  behind(unsent: number): boolean {
    if (unsent <= this.policy.config.ws.maxUnsentBytes) return false;
    if (!this.closed && !this.endedBehind) {
      this.endedBehind = true;
      this.policy.services.metrics.slowConsumersClosed.inc({ transport: this.transport });
      this.policy.log.info(
        { requestId: this.requestId, userId: this.viewer?.userId, transport: this.transport, unsent },
        'live connection closed: too far behind',
      );
      this.end('behind', 'Too far behind: reconnect and catch up with messagesSince');
    }
    return true;
  }

  /** The transport closed: uncount everything (idempotent). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.expiry);
    const { metrics } = this.policy.services;
    for (const field of this.subscriptions.values()) metrics.subscriptionEnded(this.transport, field);
    this.subscriptions.clear();
    void this.leavePresence?.();
    this.policy.released(this);
  }

  /**
   * Prepares one operation of this connection through the server's envelope (the same plugins,
   * limits and context as HTTP), or returns the errors that refuse it. Only subscriptions count
   * against the connection's limit: queries and mutations end with their answer.
   */
  async prepare(
    id: string,
    payload: RequestDocument & { operationName?: string | null; variables?: Record<string, unknown> | null },
    options: { initial: Record<string, unknown>; live?: LiveOperation },
  ): Promise<PreparedOperation | readonly GraphQLError[]> {
    const { config, yoga, trusted, contextFor, services } = this.policy;
    const enveloped = yoga.getEnveloped({ ...options.initial, req: this.spec.request, params: payload });
    let query: string;
    try {
      query = trusted.queryOf(payload);
    } catch (error) {
      return [error as GraphQLError];
    }
    let document: DocumentNode;
    let errors: readonly GraphQLError[];
    try {
      document = enveloped.parse(query);
      // Some document limits throw instead of reporting: a refusal all the same.
      errors = enveloped.validate(enveloped.schema as GraphQLSchema, document);
    } catch (error) {
      if (error instanceof Error && 'locations' in error) return [asBadInput(error as GraphQLError)];
      throw error;
    }
    if (errors.length) return errors;
    const operation = getOperationAST(document, payload.operationName);
    if (operation?.operation === 'subscription') {
      if (this.subscriptions.size >= config.ws.maxSubscriptionsPerSocket) {
        return [
          new GraphQLError(
            `Too many subscriptions on this connection (at most ${config.ws.maxSubscriptionsPerSocket})`,
            { extensions: { code: 'FORBIDDEN' } },
          ),
        ];
      }
      const field = fieldOf(document, payload.operationName);
      this.subscriptions.set(id, field);
      services.metrics.subscriptionStarted(this.transport, field);
    }
    const contextValue = await enveloped.contextFactory(
      contextFor({
        requestId: this.requestId,
        viewer: this.viewer,
        clientAddress: this.clientAddress,
        userAgent: this.spec.request.headers['user-agent'] ?? null,
        http: null,
        transport: this.transport,
        live: options.live,
      }),
    );
    return {
      schema: enveloped.schema as GraphQLSchema,
      operationName: payload.operationName,
      document,
      variableValues: payload.variables,
      contextValue,
      rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe },
    };
  }

  /** An operation ended (completed, or stopped by the client). */
  finish(id: string): void {
    const field = this.subscriptions.get(id);
    if (field === undefined) return;
    this.subscriptions.delete(id);
    this.policy.services.metrics.subscriptionEnded(this.transport, field);
  }
}
