import { createHmac } from 'node:crypto';
import { Accounts } from './auth/accounts.js';
import { Passwords } from './auth/passwords.js';
import { AccessTokens, resolveJwtSecret } from './auth/tokens.js';
import type { Config } from './config.js';
import { openDatabase, type Database } from './infra/db.js';
import type { Logger } from './infra/logger.js';
import { openBus, type Bus } from './infra/pubsub.js';
import { Metrics } from './infra/metrics.js';
import { AbuseLimits, createLimiter, createSlowMode } from './infra/rate-limit.js';
import type { SlowMode } from './chat/messages.js';
import { startTracing, tracingEnabled } from './infra/tracing.js';
import { RoomEvents } from './realtime/events.js';
import { NotificationEvents } from './realtime/notifications.js';
import { Presence } from './realtime/presence.js';
import { Typing } from './realtime/typing.js';
import { sweepUnsent } from './chat/attachments.js';
import { openAttachmentStore } from './storage/open.js';
import type { AttachmentStore } from './storage/store.js';
import { DeliveryWorker } from './integrations/delivery.js';
import { WebhookSecrets } from './integrations/webhooks.js';
import { PushWorker, resolveVapidKeys } from './integrations/push.js';

/** What resolvers and domain code reach through the context: built once per server. */
export interface Services {
  config: Config;
  log: Logger;
  db: Database;
  bus: Bus;
  tokens: AccessTokens;
  accounts: Accounts;
  /** Signs page cursors; derived from the token secret, so every replica shares it. */
  cursorSecret: Buffer;
  metrics: Metrics;
  limits: AbuseLimits;
  /** Rooms' slow mode: one message per member per slowModeSeconds, across replicas. */
  slowMode: SlowMode;
  events: RoomEvents;
  /** New notifications, told to their recipients' live connections on every replica. */
  notifications: NotificationEvents;
  presence: Presence;
  typing: Typing;
  /** Where attachments' bytes are kept (local disk or S3). */
  store: AttachmentStore;
  /** Webhook secrets (sealing, signing) and this replica's delivery worker. */
  webhooks: { secrets: WebhookSecrets; worker: DeliveryWorker };
  /** Web Push: the VAPID public key browsers subscribe with, and this replica's sender. */
  push: { vapidPublicKey: string; worker: PushWorker };
  close(): Promise<void>;
}

/** Opens the database (migrating it), the pub/sub, and builds the domain services on them. */
export async function createServices(
  config: Config,
  log: Logger,
  options: { countQueries?: boolean } = {},
): Promise<Services> {
  const tracing = await startTracing(config.tracing);
  if (tracing) log.info({ endpoint: config.tracing!.endpoint }, 'tracing to OTLP/HTTP');
  const db = await openDatabase(config, {
    log: log.child({ source: 'db' }),
    countQueries: options.countQueries,
    trace: tracingEnabled(),
  });
  try {
    const applied = await db.migrate();
    if (applied.length) log.info({ applied }, 'database migrated');
  } catch (error) {
    await db.close();
    await tracing?.close();
    throw error;
  }
  const metrics = new Metrics();
  metrics.observePool(() => db.poolStats());
  const bus = openBus(config, log.child({ source: 'pubsub' }), () => metrics.pubsubReconnects.inc());
  const secret = await resolveJwtSecret(config, log);
  const tokens = new AccessTokens(secret, config.jwt);
  const { loginLimits } = config;
  const accounts = new Accounts({
    prisma: db.prisma,
    passwords: new Passwords(config.argon2),
    tokens,
    refreshTokenTtlMs: config.jwt.refreshTokenTtlMs,
    loginFailures: {
      perUser: createLimiter(
        bus,
        config.rateLimits,
        {
          name: 'login-user',
          points: loginLimits.maxFailuresPerUser,
          windowMs: loginLimits.windowMs,
          message: 'Too many failed sign-ins for this account; try again later',
        },
        metrics,
      ),
      perAddress: createLimiter(
        bus,
        config.rateLimits,
        {
          name: 'login-address',
          points: loginLimits.maxFailuresPerAddress,
          windowMs: loginLimits.windowMs,
          message: 'Too many failed sign-ins from this address; try again later',
        },
        metrics,
      ),
    },
    log: log.child({ source: 'accounts' }),
  });
  const events = new RoomEvents(bus.pubsub, log.child({ source: 'events' }));
  const notifications = new NotificationEvents(bus.pubsub, log.child({ source: 'notifications' }));
  const presence = new Presence(bus.redis, bus.pubsub, config.presence, log.child({ source: 'presence' }));
  presence.start();
  const typing = new Typing(events, bus.redis);
  const store = await openAttachmentStore(config, secret);
  // Every replica sweeps; claims keep them apart (chat/attachments.ts).
  const sweepLog = log.child({ source: 'attachments' });
  const sweeper = setInterval(() => {
    sweepUnsent({ prisma: db.prisma, store, settings: config.attachments }).then(
      (removed) => removed && sweepLog.info({ removed }, 'unsent attachments removed'),
      (error: Error) => sweepLog.warn({ err: error.message }, 'attachment sweep failed'),
    );
  }, config.attachments.sweepIntervalMs);
  sweeper.unref();
  const webhookSecrets = new WebhookSecrets(secret);
  const worker = new DeliveryWorker(db, webhookSecrets, config.webhooks, log.child({ source: 'webhooks' }), metrics);
  worker.start();
  const vapid = await resolveVapidKeys(config, log);
  const pushWorker = new PushWorker({
    db,
    settings: config.push,
    vapid,
    isOnline: (userId) => presence.isOnline(userId),
    log: log.child({ source: 'push' }),
  });
  pushWorker.start();
  return {
    config,
    log,
    db,
    bus,
    tokens,
    accounts,
    cursorSecret: createHmac('sha256', secret).update('page cursors').digest(),
    metrics,
    limits: new AbuseLimits(bus, config.rateLimits, config.limits, metrics),
    slowMode: createSlowMode(bus, metrics),
    events,
    notifications,
    presence,
    typing,
    store,
    webhooks: { secrets: webhookSecrets, worker },
    push: { vapidPublicKey: vapid.publicKey, worker: pushWorker },
    async close() {
      clearInterval(sweeper);
      // Attempts under way get a quarter of the drain time to be recorded; the rest are sent again.
      await worker.stop(config.shutdownTimeoutMs / 4);
      await pushWorker.stop(config.shutdownTimeoutMs / 4);
      typing.stop();
      await presence.stop();
      await bus.close();
      await db.close();
      await tracing?.close();
    },
  };
}
