import { Webhook } from 'standardwebhooks';

/** What a webhook POST of the chat carries (API.md, "Outgoing webhooks"). */
export interface WebhookPayload {
  /** The delivery's id: the `Webhook-Id` header, the same on every retry (deduplicate on it). */
  id: string;
  /** `message.created`, `message.edited`, `message.deleted`, `member.joined`, `member.left`, … */
  type: string;
  /** When the event happened (ISO-8601). */
  createdAt: string;
  room: { id: string; name: string };
  /** The object as the API shows it: `{ message }` for message events, `{ user }` for member events. */
  data: Record<string, unknown>;
}

/**
 * Checks a webhook POST's `Webhook-Signature` (Standard Webhooks: HMAC-SHA256 of id, timestamp and
 * body with the webhook's secret) and that its `Webhook-Timestamp` is within 5 minutes, and returns
 * the parsed body. Throws when it does not verify. Pass the body exactly as received (the raw
 * text or bytes, not re-serialised JSON) and the request's headers (any case; a Fetch `Headers`
 * too).
 */
export function verifyWebhook(
  secret: string,
  headers: Record<string, string | string[] | undefined> | { get(name: string): string | null },
  body: string | Uint8Array,
): WebhookPayload {
  const read = (name: string) => {
    if (typeof headers.get === 'function') return (headers as { get(name: string): string | null }).get(name) ?? '';
    const entry = Object.entries(headers).find(([key]) => key.toLowerCase() === name);
    const value = entry?.[1];
    return (Array.isArray(value) ? value[0] : value) ?? '';
  };
  return new Webhook(secret).verify(body, {
    'webhook-id': read('webhook-id'),
    'webhook-timestamp': read('webhook-timestamp'),
    'webhook-signature': read('webhook-signature'),
  }) as WebhookPayload;
}
