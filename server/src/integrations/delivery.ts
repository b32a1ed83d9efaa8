import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { hostname } from 'node:os';
import type { LookupFunction } from 'node:net';
import { Prisma, type WebhookEvent } from '../generated/prisma/client.js';
import { BACKGROUND, type Database } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import type { Metrics } from '../infra/metrics.js';
import { OutboxSchedule } from './schedule.js';
import { type Destination, resolveDestination } from './destination.js';
import { eventType } from './outbox.js';
import type { WebhookSecrets } from './webhooks.js';

/**
 * The delivery worker, one per replica: claims due deliveries from the outbox and POSTs them.
 *
 * - Claims are row locks taken with SKIP LOCKED, and a claim pushes the row's next_attempt_at a
 *   lease ahead (3 × the timeout), so replicas never send the same attempt twice; a replica killed
 *   mid-attempt leaves the row to be claimed again once the lease ends.
 * - Only the oldest pending delivery of each webhook is ever claimed, so a webhook's deliveries go
 *   out in seq order, retries included; webhooks do not wait for one another (a receiver that
 *   hangs holds one of WEBHOOK_CONCURRENCY slots for at most the timeout).
 * - 2xx: delivered. A timeout, a network error, 429 or 5xx (or an address refused after DNS
 *   resolution): retried with exponential backoff and jitter; after RETRY_WINDOW of failures the
 *   webhook turns inactive with the reason. A redirect (not followed) or another 4xx: failed at
 *   once, and the next delivery goes.
 */

export interface DeliverySettings {
  allowPrivate: boolean;
  timeoutMs: number;
  retryBaseMs: number;
  retryWindowMs: number;
  pollIntervalMs: number;
  concurrency: number;
}

/** The channel webhook_deliveries' insert trigger notifies (migration 20261207010000_outbox_notifications). */
export const WEBHOOK_DELIVERIES_CHANNEL = 'chat_webhook_deliveries';

/** A claimed attempt: the delivery, its webhook's URL and sealed secret. */
interface Claimed {
  id: string;
  webhookId: string;
  seq: number;
  event: WebhookEvent;
  payload: { room: unknown; data: unknown };
  attempts: number;
  createdAt: Date;
  url: string;
  secretSealed: Uint8Array;
}

type Outcome =
  | { kind: 'delivered'; status: number }
  | { kind: 'retry'; status: number | null; error: string }
  | { kind: 'failed'; status: number | null; error: string };

/** The most of a response body read (then the connection is dropped). */
const MAX_RESPONSE_BYTES = 4_096;
/** Backoff never waits longer than this between two attempts. */
const MAX_BACKOFF_MS = 3_600_000;
/** Errors are kept this long (a receiver's body can say anything). */
const MAX_ERROR_LENGTH = 300;

/** The wait before retry number `attempt` (1: the first retry): doubling from `base`, half of it random. */
export function retryDelay(attempt: number, baseMs: number): number {
  const full = Math.min(baseMs * 2 ** Math.min(attempt - 1, 30), MAX_BACKOFF_MS);
  return Math.round(full / 2 + Math.random() * (full / 2));
}

/** `Webhook-Signature` of Standard Webhooks: v1, then base64 HMAC-SHA256 of "id.timestamp.body". */
export function signature(key: Buffer, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** A connection made to `destination` whatever the host name (its address was checked). */
const pinnedLookup =
  (destination: Destination): LookupFunction =>
  (_host, options, callback) => {
    if (options.all) callback(null, [destination]);
    else callback(null, destination.address, destination.family);
  };

export class DeliveryWorker {
  /** host:pid, stored on each claim (which replica holds it). */
  readonly name = `${hostname()}:${process.pid}`;
  private readonly leaseMs: number;
  private readonly inFlight = new Map<string, AbortController>();
  private readonly agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  private readonly schedule: OutboxSchedule<Claimed>;

  constructor(
    private readonly db: Database,
    private readonly secrets: WebhookSecrets,
    private readonly settings: DeliverySettings,
    private readonly log: Logger,
    private readonly metrics?: Metrics,
  ) {
    this.leaseMs = settings.timeoutMs * 3;
    this.schedule = new OutboxSchedule(
      { claim: (limit) => this.claim(limit), nextDueInMs: () => this.nextDueInMs(), send: (row) => this.send(row) },
      {
        db,
        channel: WEBHOOK_DELIVERIES_CHANNEL,
        idleMs: settings.pollIntervalMs,
        concurrency: settings.concurrency,
        log,
        what: 'webhook deliveries',
      },
    );
  }

  start(): void {
    this.schedule.start();
  }

  /**
   * Stops claiming; attempts under way get `graceMs` to finish (and be recorded), then are cut
   * off unrecorded: their claims end with their lease and another replica sends them again.
   */
  async stop(graceMs: number): Promise<void> {
    await this.schedule.stop(graceMs);
    for (const controller of this.inFlight.values()) controller.abort();
    await this.schedule.sent();
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  /** Ms until the earliest pending delivery that heads its active webhook falls due; null for none. */
  private async nextDueInMs(): Promise<number | null> {
    const [row] = await this.db.prisma.$queryRaw<{ inMs: number | null }[]>`${Prisma.raw(BACKGROUND)}
      SELECT (EXTRACT(EPOCH FROM min(head.next_attempt_at) - clock_timestamp()) * 1000)::float8 AS "inMs"
      FROM webhooks w
      CROSS JOIN LATERAL (
        SELECT d.next_attempt_at FROM webhook_deliveries d
        WHERE d.webhook_id = w.id AND d.status = 'PENDING'
        ORDER BY d.seq LIMIT 1
      ) head
      WHERE w.active`;
    return row?.inMs ?? null;
  }

  /** Claims up to `limit` due deliveries, each the oldest pending one of its webhook. */
  private claim(limit: number): Promise<Claimed[]> {
    return this.db.prisma.$queryRaw<Claimed[]>`${Prisma.raw(BACKGROUND)}
      WITH heads AS (
        SELECT head.id, head.next_attempt_at FROM webhooks w
        CROSS JOIN LATERAL (
          SELECT d.id, d.next_attempt_at FROM webhook_deliveries d
          WHERE d.webhook_id = w.id AND d.status = 'PENDING'
          ORDER BY d.seq LIMIT 1
        ) head
        WHERE w.active AND head.next_attempt_at <= clock_timestamp()
        ORDER BY head.next_attempt_at
        LIMIT ${limit}
      ), claimed AS (
        SELECT d.id FROM webhook_deliveries d JOIN heads ON heads.id = d.id
        WHERE d.status = 'PENDING' AND d.next_attempt_at <= clock_timestamp()
        FOR UPDATE OF d SKIP LOCKED
      )
      UPDATE webhook_deliveries d
      SET attempts = d.attempts + 1, claimed_by = ${this.name},
          next_attempt_at = clock_timestamp() + ${this.leaseMs} * interval '1 millisecond'
      FROM claimed, webhooks w
      WHERE d.id = claimed.id AND w.id = d.webhook_id
      RETURNING d.id, d.webhook_id AS "webhookId", d.seq, d.event::text AS event, d.payload, d.attempts,
                d.created_at AS "createdAt", w.url, w.secret_sealed AS "secretSealed"`;
  }

  private async send(delivery: Claimed): Promise<void> {
    const controller = new AbortController();
    this.inFlight.set(delivery.id, controller);
    let outcome: Outcome;
    try {
      outcome = await this.attempt(delivery, controller.signal);
    } catch (error) {
      // Not the receiver's doing: a secret sealed under another server secret, say.
      outcome = { kind: 'retry', status: null, error: `not sent: ${(error as Error).message}` };
    } finally {
      this.inFlight.delete(delivery.id);
    }
    if (controller.signal.aborted && this.schedule.stopped) return; // cut off by stop(): the lease runs out
    try {
      await this.record(delivery, outcome);
    } catch (error) {
      this.log.warn({ err: (error as Error).message, webhookId: delivery.webhookId }, 'recording a delivery failed');
    }
  }

  /** One POST of the delivery, and what came of it. */
  private async attempt(delivery: Claimed, signal: AbortSignal): Promise<Outcome> {
    const url = new URL(delivery.url);
    let destination: Destination;
    try {
      destination = await resolveDestination(url, this.settings.allowPrivate);
    } catch (error) {
      return { kind: 'retry', status: null, error: (error as Error).message };
    }
    // The delivery's global id, as the API shows it (WebhookDelivery.id): the same on every retry.
    const id = Buffer.from(`WebhookDelivery:${delivery.id}`).toString('base64');
    const body = JSON.stringify({
      id,
      type: eventType(delivery.event),
      createdAt: delivery.createdAt.toISOString(),
      room: delivery.payload.room,
      data: delivery.payload.data,
    });
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      'user-agent': 'chat-webhooks',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signature(this.secrets.signingKey(delivery.secretSealed), id, timestamp, body),
    };
    const https_ = url.protocol === 'https:';
    return new Promise<Outcome>((resolve) => {
      let done = false;
      /** `keep`: the answer was read whole, so its connection may serve the next attempt. */
      const finish = (outcome: Outcome, keep = false) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (!keep) request.destroy();
        resolve(outcome);
      };
      const request = (https_ ? https : http).request(url, {
        method: 'POST',
        headers,
        agent: https_ ? this.agents.https : this.agents.http,
        lookup: pinnedLookup(destination),
        signal,
      });
      const timer = setTimeout(
        () => finish({ kind: 'retry', status: null, error: `no answer within ${this.settings.timeoutMs} ms` }),
        this.settings.timeoutMs,
      );
      request.on('error', (error) => finish({ kind: 'retry', status: null, error: error.message }));
      request.on('response', (response) => {
        const status = response.statusCode ?? 0;
        let text = '';
        let read = 0;
        const settle = (keep: boolean) => finish(classify(status, text), keep);
        response.on('data', (chunk: Buffer) => {
          if (read < MAX_RESPONSE_BYTES) text += chunk.subarray(0, MAX_RESPONSE_BYTES - read).toString();
          read += chunk.length;
          if (read > MAX_RESPONSE_BYTES) settle(false);
        });
        response.on('end', () => settle(true));
        response.on('error', () => settle(false));
      });
      request.end(body);
    });
  }

  /** Records the attempt's outcome, if the claim is still this one's (not taken over after its lease). */
  private async record(delivery: Claimed, outcome: Outcome): Promise<void> {
    this.metrics?.webhookAttempts.inc({ outcome: outcome.kind });
    const claim = Prisma.sql`id = ${delivery.id}::uuid AND attempts = ${delivery.attempts} AND status = 'PENDING'`;
    const prisma = this.db.prisma;
    if (outcome.kind === 'delivered') {
      await prisma.$executeRaw`${Prisma.raw(BACKGROUND)}
        WITH recovered AS (
          UPDATE webhooks SET failing_since = NULL WHERE id = ${delivery.webhookId}::uuid AND failing_since IS NOT NULL
        )
        UPDATE webhook_deliveries SET status = 'DELIVERED', delivered_at = clock_timestamp(),
          last_status_code = ${outcome.status}, last_error = NULL, next_attempt_at = clock_timestamp()
        WHERE ${claim}`;
      return;
    }
    const error = outcome.error.slice(0, MAX_ERROR_LENGTH);
    if (outcome.kind === 'failed') {
      await prisma.$executeRaw`${Prisma.raw(BACKGROUND)}
        UPDATE webhook_deliveries SET status = 'FAILED', last_status_code = ${outcome.status}, last_error = ${error},
          next_attempt_at = clock_timestamp()
        WHERE ${claim}`;
      return;
    }
    const delay = retryDelay(delivery.attempts, this.settings.retryBaseMs);
    const window = this.settings.retryWindowMs;
    // Retried until the webhook has been failing for the retry window; the last try falls at its end.
    const rows = await prisma.$queryRaw<{ exhausted: boolean }[]>`${Prisma.raw(BACKGROUND)}
      WITH failing AS (
        UPDATE webhooks SET failing_since = COALESCE(failing_since, clock_timestamp())
        WHERE id = ${delivery.webhookId}::uuid RETURNING failing_since
      ), retry AS (
        UPDATE webhook_deliveries SET last_status_code = ${outcome.status}, last_error = ${error},
          next_attempt_at = LEAST(clock_timestamp() + ${delay} * interval '1 millisecond',
                                  (SELECT failing_since FROM failing) + ${window} * interval '1 millisecond')
        WHERE ${claim}
        RETURNING id
      )
      SELECT (SELECT failing_since FROM failing) + ${window} * interval '1 millisecond' <= clock_timestamp() AS exhausted
      FROM retry`;
    if (rows[0]?.exhausted) await this.deactivate(delivery, error);
  }

  /** The webhook has failed for the whole retry window: it turns inactive, its pending deliveries fail. */
  private async deactivate(delivery: Claimed, error: string): Promise<void> {
    const reason = `Deliveries failed for ${spell(this.settings.retryWindowMs)}; the last: ${error}`;
    // The room's row is locked first, as sends lock it, for turning the webhook inactive rewrites
    // the room's webhook_events (see the migration): the other order could deadlock with a send.
    await this.db.prisma.$executeRaw`${Prisma.raw(BACKGROUND)}
      WITH room AS (
        SELECT rooms.id FROM rooms JOIN webhooks ON webhooks.room_id = rooms.id
        WHERE webhooks.id = ${delivery.webhookId}::uuid
        FOR UPDATE OF rooms
      ), stopped AS (
        UPDATE webhooks SET active = false, inactive_reason = ${reason.slice(0, MAX_ERROR_LENGTH)}
        WHERE id = ${delivery.webhookId}::uuid AND EXISTS (SELECT 1 FROM room)
      )
      UPDATE webhook_deliveries SET status = 'FAILED',
        last_error = CASE WHEN id = ${delivery.id}::uuid THEN last_error ELSE 'the webhook turned inactive' END
      WHERE webhook_id = ${delivery.webhookId}::uuid AND status = 'PENDING'`;
    this.log.warn({ webhookId: delivery.webhookId }, 'webhook turned inactive after failing for the retry window');
  }
}

/** A duration as people say it: 24 h, 30 min, 4 s. */
function spell(ms: number): string {
  if (ms >= 3_600_000) return `${Math.round((ms / 3_600_000) * 10) / 10} h`;
  if (ms >= 60_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 1000)} s`;
}

/** What a receiver's answer means: 2xx delivered; 429 and 5xx retried; anything else failed. */
function classify(status: number, body: string): Outcome {
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  const said = body.trim().replace(/\s+/g, ' ');
  const error = `HTTP ${status}${said ? `: ${said}` : ''}`;
  if (status === 429 || status >= 500) return { kind: 'retry', status, error };
  if (status >= 300 && status < 400) return { kind: 'failed', status, error: `${error} (redirects are not followed)` };
  return { kind: 'failed', status, error };
}
