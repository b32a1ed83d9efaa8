import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { join, resolve } from 'node:path';
import webpush from 'web-push';
import { requireUser } from '../chat/policy.js';
import type { Config } from '../config.js';
import { badInput } from '../errors.js';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { BACKGROUND, type Database } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import { type Destination, DestinationError, resolveDestination } from './destination.js';
import { retryDelay } from './delivery.js';
import { OutboxSchedule } from './schedule.js';

/** The channel push_deliveries' insert trigger notifies (migration 20261207010000_outbox_notifications). */
export const PUSH_DELIVERIES_CHANNEL = 'chat_push_deliveries';

/**
 * Web Push: browsers' push subscriptions, and the worker that sends each new notification to the
 * subscriptions of a user with no live connection. The `web-push` library makes each request
 * (VAPID signature, aes128gcm payload encryption, RFC 8291); the worker sends it to the address it
 * checked (as webhooks do). The outbox is `push_deliveries`, written with the notification.
 */

export type PushSettings = Config['push'];
export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

// ——— Keys ——————————————————————————————————————————————————————————————————————————————————————

/**
 * The VAPID keys: from the settings, or generated once into DATA_DIR/vapid-keys.json (replicas
 * sharing a database must share keys too, so set them when scaling out).
 */
export async function resolveVapidKeys(config: Pick<Config, 'push' | 'dataDir' | 'databaseUrl'>, log: Logger) {
  if (config.push.vapid) return config.push.vapid;
  const dir = resolve(config.dataDir);
  const file = join(dir, 'vapid-keys.json');
  try {
    const stored = JSON.parse(await readFile(file, 'utf8')) as Partial<VapidKeys>;
    if (stored.publicKey && stored.privateKey) return { publicKey: stored.publicKey, privateKey: stored.privateKey };
  } catch {
    /* first start */
  }
  await mkdir(dir, { recursive: true });
  const keys = webpush.generateVAPIDKeys();
  await writeFile(file, `${JSON.stringify(keys)}\n`, { mode: 0o600 });
  if (config.databaseUrl) {
    log.warn(
      'VAPID keys are not set: generated a pair in DATA_DIR; replicas must share one, so set them when scaling out',
    );
  } else {
    log.info({ file }, 'generated VAPID keys for Web Push');
  }
  return keys;
}

// ——— Subscriptions —————————————————————————————————————————————————————————————————————————————

const ENDPOINT_MAX = 2_048;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Bytes of a base64url (or base64) key; BAD_USER_INPUT naming `field` when it is not that. */
function keyBytes(field: string, value: string, length: number, what: string): Buffer {
  const text = value.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  if (!BASE64URL.test(text)) throw badInput(field, 'must be base64url');
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.length !== length) throw badInput(field, `must be ${what} (${length} bytes), not ${bytes.length} bytes`);
  return bytes;
}

/** Whether `host` (as URL.hostname gives it) is a loopback address or localhost. */
const isLoopbackHost = (host: string) =>
  host === 'localhost' || /^127\./.test(host) || host === '[::1]' || host === '::1';

/**
 * A push subscription's endpoint and keys, checked: the endpoint an https URL (http on loopback only
 * with PUSH_ALLOW_PRIVATE) whose host resolves to public addresses (any, with PUSH_ALLOW_PRIVATE);
 * p256dh an uncompressed P-256 point (65 bytes), auth 16 bytes, both base64url.
 */
export async function parsePushSubscription(
  input: { endpoint: string; keys: { p256dh: string; auth: string } },
  allowPrivate: boolean,
): Promise<{ endpoint: string; p256dh: string; auth: string }> {
  const endpoint = parseEndpoint(input.endpoint, allowPrivate);
  const p256dh = keyBytes('keys.p256dh', input.keys.p256dh, 65, 'an uncompressed P-256 public key');
  if (p256dh[0] !== 0x04) throw badInput('keys.p256dh', 'must be an uncompressed P-256 public key (starting 0x04)');
  const auth = keyBytes('keys.auth', input.keys.auth, 16, 'the authentication secret');
  try {
    await resolveDestination(endpoint, allowPrivate);
  } catch (error) {
    if (error instanceof DestinationError) throw badInput('endpoint', error.message);
    throw error;
  }
  return { endpoint: endpoint.toString(), p256dh: p256dh.toString('base64url'), auth: auth.toString('base64url') };
}

function parseEndpoint(value: string, allowPrivate: boolean): URL {
  if (value.length > ENDPOINT_MAX) throw badInput('endpoint', `must be at most ${ENDPOINT_MAX} characters`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw badInput('endpoint', 'is not a URL');
  }
  if (url.username || url.password) throw badInput('endpoint', 'must not carry credentials');
  const plainAllowed = allowPrivate && url.protocol === 'http:' && isLoopbackHost(url.hostname);
  if (url.protocol !== 'https:' && !plainAllowed) throw badInput('endpoint', 'must be an https URL');
  return url;
}

/**
 * Registers the viewer's browser for Web Push. The same endpoint again replaces its keys (and, when
 * another user signs in on that browser, moves it to them).
 */
export async function registerPushSubscription(
  prisma: PrismaClient,
  viewerId: string | null,
  input: { endpoint: string; keys: { p256dh: string; auth: string } },
  allowPrivate: boolean,
): Promise<boolean> {
  const userId = requireUser(viewerId);
  const { endpoint, p256dh, auth } = await parsePushSubscription(input, allowPrivate);
  await prisma.pushSubscription.upsert({
    where: { endpoint },
    create: { id: randomUUID(), userId, endpoint, p256dh, auth },
    update: { userId, p256dh, auth },
  });
  return true;
}

/** Removes the viewer's subscription of `endpoint`; false when they had none. */
export async function unregisterPushSubscription(
  prisma: PrismaClient,
  viewerId: string | null,
  endpoint: string,
): Promise<boolean> {
  const userId = requireUser(viewerId);
  if (endpoint.length > ENDPOINT_MAX) throw badInput('endpoint', `must be at most ${ENDPOINT_MAX} characters`);
  const { count } = await prisma.pushSubscription.deleteMany({ where: { userId, endpoint } });
  return count > 0;
}

// ——— Sending ————————————————————————————————————————————————————————————————————————————————————

/** A claimed outbox row with what its push message says. */
interface Claimed {
  notificationId: string;
  subscriptionId: string;
  attempts: number;
  userId: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  kind: string;
  actorName: string;
  roomId: string | null;
  roomName: string | null;
  roomKind: string | null;
  messageId: string | null;
  body: string | null;
}

/** The payload's `body`: the message's first 200 characters. */
export const PUSH_BODY_MAX = 200;

const globalId = (type: string, id: string | null) => (id ? Buffer.from(`${type}:${id}`).toString('base64') : null);

/** What a push message carries (API.md): JSON `{ notification: { id, kind, roomId, messageId, title, body } }`. */
export function pushPayload(
  row: Omit<Claimed, 'subscriptionId' | 'attempts' | 'userId' | 'endpoint' | 'p256dh' | 'auth'>,
) {
  const where = row.roomKind === 'DIRECT' ? 'you directly' : row.roomName ? `#${row.roomName}` : '';
  const title =
    {
      MENTION: `${row.actorName} mentioned you${where && row.roomKind !== 'DIRECT' ? ` in ${where}` : ''}`,
      REPLY: `${row.actorName} replied in a thread${where && row.roomKind !== 'DIRECT' ? ` in ${where}` : ''}`,
      DIRECT_MESSAGE: `${row.actorName} wrote to you`,
      INVITATION: `${row.actorName} invited you to ${where || 'a room'}`,
      FRIEND_REQUEST: `${row.actorName} asked to be friends`,
    }[row.kind] ?? `${row.actorName}`;
  return {
    notification: {
      id: globalId('Notification', row.notificationId),
      kind: row.kind,
      roomId: globalId('Room', row.roomId),
      messageId: globalId('Message', row.messageId),
      title,
      body: row.body ? [...row.body].slice(0, PUSH_BODY_MAX).join('') : '',
    },
  };
}

type Outcome = { kind: 'sent' } | { kind: 'gone'; status: number } | { kind: 'retry'; error: string };

const pinnedLookup =
  (destination: Destination): LookupFunction =>
  (_host, options, callback) => {
    if (options.all) callback(null, [destination]);
    else callback(null, destination.address, destination.family);
  };

export interface PushWorkerDeps {
  db: Database;
  settings: PushSettings;
  vapid: VapidKeys;
  /** Whether the user has a live connection on any replica (then no push is sent). */
  isOnline(userId: string): Promise<boolean>;
  log: Logger;
}

/**
 * One per replica: claims due outbox rows (SKIP LOCKED, with a lease so a killed replica's claims
 * are taken again), skips users who are online, sends the rest. 2xx: done. 404/410: the
 * subscription is gone and is removed. Anything else: retried with backoff, up to
 * PUSH_MAX_ATTEMPTS attempts in all.
 */
export class PushWorker {
  private readonly leaseMs: number;
  private readonly schedule: OutboxSchedule<Claimed>;

  constructor(private readonly deps: PushWorkerDeps) {
    this.leaseMs = deps.settings.timeoutMs * 3;
    this.schedule = new OutboxSchedule(
      {
        claim: (limit) => this.claim(limit),
        nextDueInMs: () => this.nextDueInMs(),
        send: (row) =>
          this.send(row).catch((error: Error) => deps.log.warn({ err: error.message }, 'recording a push failed')),
      },
      {
        db: deps.db,
        channel: PUSH_DELIVERIES_CHANNEL,
        idleMs: deps.settings.pollIntervalMs,
        concurrency: deps.settings.concurrency,
        log: deps.log,
        what: 'push deliveries',
      },
    );
  }

  start(): void {
    this.schedule.start();
  }

  stop(graceMs: number): Promise<void> {
    return this.schedule.stop(graceMs);
  }

  /** Ms until the earliest queued push falls due (a retry's backoff, a lost replica's lease); null for none. */
  private async nextDueInMs(): Promise<number | null> {
    const [row] = await this.deps.db.prisma.$queryRaw<{ inMs: number | null }[]>`${Prisma.raw(BACKGROUND)}
      SELECT (EXTRACT(EPOCH FROM min(next_attempt_at) - clock_timestamp()) * 1000)::float8 AS "inMs"
      FROM push_deliveries`;
    return row?.inMs ?? null;
  }

  private claim(limit: number): Promise<Claimed[]> {
    return this.deps.db.prisma.$queryRaw<Claimed[]>`${Prisma.raw(BACKGROUND)}
      WITH claimed AS (
        SELECT notification_id, subscription_id FROM push_deliveries
        WHERE next_attempt_at <= clock_timestamp()
        ORDER BY next_attempt_at LIMIT ${limit}
        FOR UPDATE SKIP LOCKED
      )
      UPDATE push_deliveries d
      SET attempts = d.attempts + 1, next_attempt_at = clock_timestamp() + ${this.leaseMs} * interval '1 millisecond'
      FROM claimed, push_subscriptions s, notifications n
        JOIN users actor ON actor.id = n.actor_id
        LEFT JOIN rooms r ON r.id = n.room_id
        LEFT JOIN messages m ON m.id = n.message_id
      WHERE d.notification_id = claimed.notification_id AND d.subscription_id = claimed.subscription_id
        AND s.id = d.subscription_id AND n.id = d.notification_id
      RETURNING d.notification_id AS "notificationId", d.subscription_id AS "subscriptionId", d.attempts,
        n.user_id AS "userId", s.endpoint, s.p256dh, s.auth, n.kind::text AS kind,
        COALESCE(actor.display_name, actor.username) AS "actorName", n.room_id AS "roomId", r.name AS "roomName",
        r.kind::text AS "roomKind", n.message_id AS "messageId", m.body`;
  }

  private async send(row: Claimed): Promise<void> {
    const prisma = this.deps.db.prisma;
    const key = Prisma.sql`notification_id = ${row.notificationId}::uuid AND subscription_id = ${row.subscriptionId}::uuid`;
    if (await this.deps.isOnline(row.userId)) {
      // A live connection heard it (notificationAdded): no push.
      await prisma.$executeRaw`${Prisma.raw(BACKGROUND)} DELETE FROM push_deliveries WHERE ${key}`;
      return;
    }
    const outcome = await this.attempt(row);
    if (outcome.kind === 'sent') {
      await prisma.$executeRaw`${Prisma.raw(BACKGROUND)} DELETE FROM push_deliveries WHERE ${key}`;
      return;
    }
    if (outcome.kind === 'gone') {
      await prisma.$executeRaw`${Prisma.raw(BACKGROUND)}
        DELETE FROM push_subscriptions WHERE id = ${row.subscriptionId}::uuid`;
      this.deps.log.info({ status: outcome.status }, 'push subscription gone; removed');
      return;
    }
    if (row.attempts >= this.deps.settings.maxAttempts) {
      await prisma.$executeRaw`${Prisma.raw(BACKGROUND)} DELETE FROM push_deliveries WHERE ${key}`;
      this.deps.log.warn({ err: outcome.error, attempts: row.attempts }, 'push given up');
      return;
    }
    const delay = retryDelay(row.attempts, this.deps.settings.retryBaseMs);
    await prisma.$executeRaw`${Prisma.raw(BACKGROUND)}
      UPDATE push_deliveries SET last_error = ${outcome.error.slice(0, 300)},
        next_attempt_at = clock_timestamp() + ${delay} * interval '1 millisecond'
      WHERE ${key} AND attempts = ${row.attempts}`;
  }

  /** One send: the library builds the request, it goes to the address checked now. */
  private async attempt(row: Claimed): Promise<Outcome> {
    const { settings, vapid } = this.deps;
    let url: URL;
    let destination: Destination;
    try {
      url = parseEndpoint(row.endpoint, settings.allowPrivate);
      destination = await resolveDestination(url, settings.allowPrivate);
    } catch (error) {
      return { kind: 'retry', error: (error as Error).message };
    }
    const request = webpush.generateRequestDetails(
      { endpoint: row.endpoint, keys: { p256dh: row.p256dh, auth: row.auth } },
      JSON.stringify(pushPayload(row)),
      {
        vapidDetails: { subject: settings.subject, publicKey: vapid.publicKey, privateKey: vapid.privateKey },
        contentEncoding: 'aes128gcm',
        TTL: 24 * 3600,
        urgency: row.kind === 'DIRECT_MESSAGE' || row.kind === 'MENTION' ? 'high' : 'normal',
      },
    );
    const secure = url.protocol === 'https:';
    return new Promise<Outcome>((done) => {
      let finished = false;
      const finish = (outcome: Outcome) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        req.destroy();
        done(outcome);
      };
      const req = (secure ? https : http).request(url, {
        method: request.method,
        headers: request.headers as Record<string, string>,
        lookup: pinnedLookup(destination),
      });
      const timer = setTimeout(
        () => finish({ kind: 'retry', error: `no answer within ${settings.timeoutMs} ms` }),
        settings.timeoutMs,
      );
      req.on('error', (error) => finish({ kind: 'retry', error: error.message }));
      req.on('response', (response) => {
        const status = response.statusCode ?? 0;
        response.resume();
        response.on('end', () => {
          if (status >= 200 && status < 300) finish({ kind: 'sent' });
          else if (status === 404 || status === 410) finish({ kind: 'gone', status });
          else finish({ kind: 'retry', error: `HTTP ${status}` });
        });
        response.on('error', () => finish({ kind: 'retry', error: `HTTP ${status}, answer cut off` }));
      });
      req.end(request.body ?? undefined);
    });
  }
}
