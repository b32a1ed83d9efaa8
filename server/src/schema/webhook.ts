import * as webhooks from '../integrations/webhooks.js';
import type { WebhookEvent as Event } from '../integrations/outbox.js';
import { builder } from './builder.js';
import { viewerIdOf, type Context } from './context.js';
import { idOf } from './ids.js';

/** Webhooks of rooms the viewer owns: what node(id) may find. */
const ownedRooms = (ctx: Context) => ({
  memberships: {
    some: { userId: ctx.viewer?.userId ?? '00000000-0000-0000-0000-000000000000', role: 'OWNER' as const },
  },
});

const EVENT_DESCRIPTIONS: Record<Event, string> = {
  MESSAGE_CREATED: 'A message was sent (`message.created`; data: `message`).',
  MESSAGE_EDITED: 'A message was edited (`message.edited`; data: `message`).',
  MESSAGE_DELETED: 'A message was deleted (`message.deleted`; data: `message`, body "").',
  MEMBER_JOINED: 'Someone joined the room (`member.joined`; data: `user`).',
  MEMBER_LEFT: 'Someone left the room (`member.left`; data: `user`).',
  REACTION_CHANGED: 'A reaction was added or removed (`reaction.changed`).',
};

export const WebhookEvent = builder.enumType('WebhookEvent', {
  description: 'An event of a room that a webhook can be sent.',
  values: Object.fromEntries(
    Object.entries(EVENT_DESCRIPTIONS).map(([name, description]) => [name, { description }]),
  ) as Record<Event, { description: string }>,
});

export const WebhookRef = builder.prismaNode('Webhook', {
  id: { field: 'id' },
  description:
    'A URL the room\u2019s owner chose, to which the room\u2019s events are POSTed, signed (Standard Webhooks).',
  findUnique: (id, ctx) => ({ id, room: ownedRooms(ctx) }),
  fields: (t) => ({
    room: t.relation('room', { description: 'The room whose events it is sent.' }),
    url: t.exposeString('url', { description: 'Where the events are POSTed.' }),
    events: t.expose('events', { type: [WebhookEvent], description: 'The events it is sent.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    active: t.exposeBoolean('active', {
      description: 'False once its deliveries have failed for 24 hours: nothing more is sent (see inactiveReason).',
    }),
    inactiveReason: t.exposeString('inactiveReason', {
      nullable: true,
      description: 'Why it turned inactive (the last failure); null while active.',
    }),
  }),
});

export const WebhookDeliveryRef = builder.prismaNode('WebhookDelivery', {
  id: { field: 'id' },
  description:
    'One event sent (or to be sent) to one webhook. Its id is the `Webhook-Id` header, the same on every retry.',
  findUnique: (id, ctx) => ({ id, webhook: { room: ownedRooms(ctx) } }),
  fields: (t) => ({
    seq: t.exposeInt('seq', { description: '1, 2, 3… per webhook: the order deliveries are sent in.' }),
    event: t.expose('event', { type: WebhookEvent, description: 'The event it tells of.' }),
    status: t.exposeString('status', {
      description:
        'PENDING (not sent yet, or to be retried), DELIVERED (a 2xx answer) or FAILED (refused with a 4xx or a redirect, or retried for 24 hours).',
    }),
    attempts: t.exposeInt('attempts', { description: 'POSTs made so far.' }),
    lastStatusCode: t.exposeInt('lastStatusCode', {
      nullable: true,
      description: 'The HTTP status of the last answer; null when none came (a timeout, a network error).',
    }),
    lastError: t.exposeString('lastError', {
      nullable: true,
      description: 'What went wrong with the last attempt; null when it was delivered.',
    }),
    nextAttemptAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it is tried next while PENDING (behind earlier deliveries of the webhook); else null.',
      select: { nextAttemptAt: true, status: true },
      resolve: (delivery) => (delivery.status === 'PENDING' ? delivery.nextAttemptAt : null),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the event happened.' }),
    deliveredAt: t.expose('deliveredAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When a 2xx answer came; null until then.',
    }),
  }),
});

const WebhookDeliveryConnection = builder.connectionObject(
  {
    type: WebhookDeliveryRef,
    name: 'WebhookDeliveryConnection',
    description: 'Deliveries of a webhook, newest first.',
  },
  { description: 'A delivery in a page of a webhook\u2019s deliveries.' },
);

const WebhookWithSecret = builder.objectRef<{ webhook: object; secret: string }>('WebhookWithSecret').implement({
  description: 'A webhook and its signing secret, which is shown this once.',
  fields: (t) => ({
    webhook: t.field({ type: WebhookRef, description: 'The webhook.', resolve: (r) => r.webhook as never }),
    secret: t.exposeString('secret', {
      description: 'The signing secret (`whsec_…`), for `verifyWebhook` or any Standard Webhooks library.',
    }),
  }),
});

builder.queryFields((t) => ({
  webhooks: t.prismaField({
    type: ['Webhook'],
    description: 'The webhooks of a room, oldest first; for the room\u2019s owner.',
    args: { roomId: t.arg.id({ description: 'The room.' }) },
    resolve: (query, _root, args, ctx) =>
      webhooks.listWebhooks(ctx.services.db.prisma, viewerIdOf(ctx), idOf('Room', args.roomId, 'roomId'), query),
  }),
  webhookDeliveries: t.field({
    type: WebhookDeliveryConnection,
    description: 'The deliveries of a webhook, newest first, 1–100 a page (50 by default); for the room\u2019s owner.',
    args: {
      webhookId: t.arg.id({ description: 'The webhook.' }),
      first: t.arg.int({ required: false, description: 'How many (1–100).' }),
      after: t.arg.string({ required: false, description: 'The endCursor of the page before.' }),
    },
    resolve: (_root, args, ctx) =>
      webhooks.listDeliveries(
        ctx.services.db.prisma,
        ctx.services.cursorSecret,
        viewerIdOf(ctx),
        idOf('Webhook', args.webhookId, 'webhookId'),
        args,
      ),
  }),
}));

const CreateWebhookInput = builder.inputType('CreateWebhookInput', {
  description: 'A new webhook of a room.',
  fields: (t) => ({
    roomId: t.id({ description: 'The room; the viewer must own it. At most 10 webhooks a room.' }),
    url: t.string({
      description:
        'Where to POST: an https URL (http only where the server allows it) of at most 2000 characters, without credentials, whose host is public.',
    }),
    events: t.field({ type: [WebhookEvent], description: 'The events to send (at least one).' }),
  }),
});
const WebhookIdInput = builder.inputType('WebhookIdInput', {
  description: 'A webhook.',
  fields: (t) => ({ webhookId: t.id({ description: 'The webhook.' }) }),
});

builder.mutationFields((t) => ({
  createWebhook: t.field({
    type: WebhookWithSecret,
    description: 'The room\u2019s owner adds a webhook; its secret is in the answer, and never shown again.',
    args: { input: t.arg({ type: CreateWebhookInput, description: 'The room, URL and events.' }) },
    resolve: (_root, { input }, ctx) =>
      webhooks.createWebhook(
        ctx.services.db.prisma,
        ctx.services.webhooks.secrets,
        ctx.services.config.webhooks,
        viewerIdOf(ctx),
        { ...input, roomId: idOf('Room', input.roomId, 'roomId') },
      ),
  }),
  deleteWebhook: t.boolean({
    description: 'The room\u2019s owner removes a webhook; its pending deliveries are not sent.',
    args: { input: t.arg({ type: WebhookIdInput, description: 'The webhook.' }) },
    resolve: (_root, { input }, ctx) =>
      webhooks.deleteWebhook(ctx.services.db.prisma, viewerIdOf(ctx), idOf('Webhook', input.webhookId, 'webhookId')),
  }),
  rotateWebhookSecret: t.field({
    type: WebhookWithSecret,
    description: 'A new signing secret, shown this once; every delivery from now on (retries too) is signed with it.',
    args: { input: t.arg({ type: WebhookIdInput, description: 'The webhook.' }) },
    resolve: (_root, { input }, ctx) =>
      webhooks.rotateWebhookSecret(
        ctx.services.db.prisma,
        ctx.services.webhooks.secrets,
        viewerIdOf(ctx),
        idOf('Webhook', input.webhookId, 'webhookId'),
      ),
  }),
}));
