import { createCipheriv, createDecipheriv, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { badInput, notFound } from '../errors.js';
import type { Prisma, PrismaClient, Webhook, WebhookDelivery } from '../generated/prisma/client.js';
import { type Connection, type CursorSecret, decodeKeyCursor, encodeKeyCursor, toConnection } from '../chat/cursor.js';
import { requireUser } from '../chat/policy.js';
import { accessRoom, type Db, lockRoom, selecting, type Selection } from '../chat/rooms.js';
import { parseId, parsePageSize } from '../chat/validation.js';
import { DestinationError, resolveDestination } from './destination.js';
import { WEBHOOK_EVENTS, type WebhookEvent } from './outbox.js';

/**
 * Webhooks of a room: the rules (who may manage them, which URLs and events are accepted, how
 * many a room may have) and their management. The owner of a room manages its webhooks (the
 * policy's `room.manageWebhooks`). Functions take the Prisma client and plain arguments (raw
 * UUIDs) and return Prisma rows.
 */

export interface WebhookRules {
  /** Accept http:// URLs (else https only). */
  allowHttp: boolean;
  /** Accept URLs whose host resolves to loopback, private, link-local… addresses. */
  allowPrivate: boolean;
  /** Webhooks a room may have. */
  perRoom: number;
}

export const MAX_URL_LENGTH = 2_000;

/**
 * A webhook's URL, checked: a URL of at most MAX_URL_LENGTH characters, https (or http when
 * allowed), without credentials, whose host resolves only to public addresses (unless allowed).
 * Returns it normalised (as URL prints it).
 */
export async function parseWebhookUrl(value: string, rules: Pick<WebhookRules, 'allowHttp' | 'allowPrivate'>) {
  const text = value.trim();
  if (text.length > MAX_URL_LENGTH) throw badInput('url', `must be at most ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw badInput('url', 'is not a URL');
  }
  const schemes = rules.allowHttp ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(url.protocol)) {
    throw badInput('url', rules.allowHttp ? 'must be an https or http URL' : 'must be an https URL');
  }
  if (url.username || url.password) throw badInput('url', 'must not contain a user name or password');
  if (url.href.length > MAX_URL_LENGTH) throw badInput('url', `must be at most ${MAX_URL_LENGTH} characters`);
  try {
    await resolveDestination(url, rules.allowPrivate);
  } catch (error) {
    if (error instanceof DestinationError) throw badInput('url', `is refused: ${error.message}`);
    throw error;
  }
  return url.href;
}

/** The events a webhook hears: at least one, each known; repeats are dropped, the API's order kept. */
export function parseEvents(values: readonly string[]): WebhookEvent[] {
  if (values.length === 0) throw badInput('events', 'must name at least one event');
  for (const value of values) {
    if (!WEBHOOK_EVENTS.includes(value as WebhookEvent)) throw badInput('events', `has an unknown event: ${value}`);
  }
  return WEBHOOK_EVENTS.filter((event) => values.includes(event));
}

// ——— The signing secret ———————————————————————————————————————————————————————————————————————

const SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Signing secrets: made as Standard Webhooks does (`whsec_` + base64 of 32 random bytes), shown
 * once, and stored sealed (AES-256-GCM) with a key derived from the server's secret, so the
 * server can sign with them and a database dump alone reveals none.
 */
export class WebhookSecrets {
  private readonly key: Buffer;

  constructor(serverSecret: string | Buffer) {
    this.key = createHmac('sha256', serverSecret).update('webhook secrets').digest();
  }

  /** A new secret and its sealed form. */
  create(): { secret: string; sealed: Buffer } {
    const secret = SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
    return { secret, sealed: this.seal(secret) };
  }

  private seal(secret: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), sealed]);
  }

  /** The key bytes HMAC-SHA256 signs with, from a sealed secret. */
  signingKey(sealed: Uint8Array): Buffer {
    const bytes = Buffer.from(sealed);
    const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, IV_BYTES));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    const secret = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString();
    return Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  }
}

// ——— Management ———————————————————————————————————————————————————————————————————————————————

/** The webhook `webhookId` (NOT_FOUND when there is none) when the viewer may manage its room's. */
async function manageableWebhook(prisma: Db, viewerId: string, webhookId: string): Promise<Webhook> {
  const webhook = await prisma.webhook.findUnique({ where: { id: parseId('webhookId', webhookId) } });
  if (!webhook) throw notFound('Webhook');
  await accessRoom(prisma, viewerId, webhook.roomId, 'room.manageWebhooks');
  return webhook;
}

/**
 * The owner adds a webhook to a room: `url` and `events` checked (parseWebhookUrl, parseEvents),
 * at most `rules.perRoom` per room (counted under the room's lock, so two at once cannot pass it).
 * Returns the webhook and its secret, which is not shown again.
 */
export async function createWebhook(
  prisma: PrismaClient,
  secrets: WebhookSecrets,
  rules: WebhookRules,
  viewerId: string | null,
  input: { roomId: string; url: string; events: readonly string[] },
): Promise<{ webhook: Webhook; secret: string }> {
  const userId = requireUser(viewerId);
  const roomId = parseId('roomId', input.roomId);
  const events = parseEvents(input.events);
  // Refused before the URL is resolved: a non-owner learns nothing of what it resolves to.
  await accessRoom(prisma, userId, roomId, 'room.manageWebhooks');
  const url = await parseWebhookUrl(input.url, rules);
  const { secret, sealed } = secrets.create();
  const webhook = await prisma.$transaction(async (tx) => {
    await lockRoom(tx, roomId);
    await accessRoom(tx, userId, roomId, 'room.manageWebhooks');
    const count = await tx.webhook.count({ where: { roomId } });
    if (count >= rules.perRoom) {
      throw badInput('roomId', `already has ${count} webhooks, the most a room may have (${rules.perRoom})`);
    }
    return tx.webhook.create({
      data: { id: randomUUID(), roomId, url, events, secretSealed: new Uint8Array(sealed), createdById: userId },
    });
  });
  return { webhook, secret };
}

/** The owner removes a webhook, and its deliveries with it (pending ones are not sent). */
export async function deleteWebhook(prisma: PrismaClient, viewerId: string | null, webhookId: string) {
  const webhook = await manageableWebhook(prisma, requireUser(viewerId), webhookId);
  // The room's row first, as sends lock it: the delete rewrites its webhook_events (see the migration).
  await prisma.$transaction(async (tx) => {
    await lockRoom(tx, webhook.roomId);
    await tx.webhook.deleteMany({ where: { id: webhook.id } });
  });
  return true;
}

/** A new secret for the webhook, shown once; deliveries from now on (retries too) are signed with it. */
export async function rotateWebhookSecret(
  prisma: PrismaClient,
  secrets: WebhookSecrets,
  viewerId: string | null,
  webhookId: string,
): Promise<{ webhook: Webhook; secret: string }> {
  const found = await manageableWebhook(prisma, requireUser(viewerId), webhookId);
  const { secret, sealed } = secrets.create();
  const webhook = await prisma.webhook.update({
    where: { id: found.id },
    data: { secretSealed: new Uint8Array(sealed) },
  });
  return { webhook, secret };
}

/** The webhooks of a room, oldest first, for its owner. */
export async function listWebhooks(
  prisma: Db,
  viewerId: string | null,
  roomId: string,
  query?: Selection<Prisma.WebhookSelect, Prisma.WebhookInclude>,
): Promise<Webhook[]> {
  const { room } = await accessRoom(prisma, requireUser(viewerId), roomId, 'room.manageWebhooks');
  return prisma.webhook.findMany({
    ...selecting(query, {}),
    where: { roomId: room.id },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  }) as Promise<Webhook[]>;
}

/** A webhook's deliveries, newest first (by seq), keyset-paged, for its room's owner. */
export async function listDeliveries(
  prisma: Db,
  secret: CursorSecret,
  viewerId: string | null,
  webhookId: string,
  args: { first?: number | null; after?: string | null },
): Promise<Connection<WebhookDelivery>> {
  const webhook = await manageableWebhook(prisma, requireUser(viewerId), webhookId);
  const { size } = parsePageSize({ first: args.first });
  let before: number | null = null;
  if (args.after != null) {
    const [cursorWebhook, seq] = decodeKeyCursor(secret, args.after, 'webhookDeliveries', 'after', [
      'string',
      'number',
    ]);
    if (cursorWebhook !== webhook.id) throw badInput('after', 'is a cursor of another webhook');
    before = seq as number;
  }
  const found = await prisma.webhookDelivery.findMany({
    where: { webhookId: webhook.id, ...(before !== null && { seq: { lt: before } }) },
    orderBy: { seq: 'desc' },
    take: size + 1,
  });
  const rows = found.slice(0, size);
  return toConnection(rows, (d) => encodeKeyCursor(secret, 'webhookDeliveries', [webhook.id, d.seq]), {
    hasNextPage: found.length > size,
    hasPreviousPage: before !== null,
  });
}
