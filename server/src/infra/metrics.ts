import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The server's Prometheus metrics (served at /metrics). One registry per server, so several
 * servers in one process (tests) keep their own counts. deploy/grafana-dashboard.json reads these
 * names: renaming one breaks server/test/k8s.test.ts.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly wsConnections = new Gauge({
    name: 'chat_ws_connections',
    help: 'Open WebSocket connections (chat_connections counts every transport).',
    registers: [this.registry],
  });
  readonly connections = new Gauge({
    name: 'chat_connections',
    help: 'Open live connections, by transport (ws: WebSocket, sse: server-sent events).',
    labelNames: ['transport'],
    registers: [this.registry],
  });
  readonly subscriptionsActive = new Gauge({
    name: 'chat_subscriptions_active',
    help: 'Active subscriptions, by root field and transport.',
    labelNames: ['field', 'transport'],
    registers: [this.registry],
  });
  readonly messagesStored = new Counter({
    name: 'chat_messages_stored_total',
    help: 'Messages stored by sendMessage.',
    registers: [this.registry],
  });
  readonly eventsDelivered = new Counter({
    name: 'chat_events_delivered_total',
    help: 'Events delivered to subscribers, by subscription field.',
    labelNames: ['field'],
    registers: [this.registry],
  });
  readonly eventExecutions = new Counter({
    name: 'chat_event_executions_total',
    help: 'Live events turned into results: one per event and group of identical subscriptions on a replica (compare with chat_events_delivered_total).',
    labelNames: ['field'],
    registers: [this.registry],
  });
  readonly deliveryLag = new Histogram({
    name: 'chat_delivery_lag_seconds',
    help: 'Time from storing a change to writing its event to a subscriber.',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly operationDuration = new Histogram({
    name: 'chat_graphql_operation_duration_seconds',
    help: 'Duration of GraphQL queries and mutations, by operation name, type and outcome.',
    labelNames: ['operation', 'type', 'outcome'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly slowConsumersClosed = new Counter({
    name: 'chat_slow_consumers_closed_total',
    help: 'Live connections closed because too much was waiting to be sent to them, by transport.',
    labelNames: ['transport'],
    registers: [this.registry],
  });
  readonly pubsubReconnects = new Counter({
    name: 'chat_pubsub_reconnects_total',
    help: 'Reconnections of the Redis connections.',
    registers: [this.registry],
  });
  readonly rateLimitRefusals = new Counter({
    name: 'chat_rate_limit_refusals_total',
    help: 'Requests refused by an abuse limit, by limit.',
    labelNames: ['limit'],
    registers: [this.registry],
  });
  readonly webhookAttempts = new Counter({
    name: 'chat_webhook_attempts_total',
    help: 'Webhook delivery attempts, by outcome: delivered, retry (to be tried again) or failed.',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  private readPool: (() => { total: number; idle: number; waiting: number }) | undefined;
  readonly dbPool = new Gauge({
    name: 'chat_db_pool_connections',
    help: 'Database connections, by state (total, idle, waiting).',
    labelNames: ['state'],
    registers: [this.registry],
    collect: () => {
      const pool = this.readPool?.();
      if (!pool) return;
      this.dbPool.set({ state: 'total' }, pool.total);
      this.dbPool.set({ state: 'idle' }, pool.idle);
      this.dbPool.set({ state: 'waiting' }, pool.waiting);
    },
  });

  constructor() {
    // The event loop's delay is sampled every 100 ms, not prom-client's default 10 ms: a timer every
    // 10 ms woke an idle replica 100 times a second (6–9 ms of CPU a second idle, 3–4 ms with this).
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 100 });
  }

  /** Reads the database pool's figures at every scrape. */
  observePool(read: () => { total: number; idle: number; waiting: number }) {
    this.readPool = read;
  }

  connectionOpened(transport: string) {
    this.connections.inc({ transport });
    if (transport === 'ws') this.wsConnections.inc();
  }

  connectionClosed(transport: string) {
    this.connections.dec({ transport });
    if (transport === 'ws') this.wsConnections.dec();
  }

  subscriptionStarted(transport: string, field: string) {
    this.subscriptionsActive.inc({ field, transport });
  }

  subscriptionEnded(transport: string, field: string) {
    this.subscriptionsActive.dec({ field, transport });
  }

  /** One event written to `count` subscribers of `field` at once, `publishedAt` ms since epoch. */
  delivered(field: string, publishedAt: number, count = 1) {
    this.eventsDelivered.inc({ field }, count);
    const lag = Math.max(0, Date.now() - publishedAt) / 1000;
    for (let i = 0; i < count; i++) this.deliveryLag.observe(lag);
  }
}
