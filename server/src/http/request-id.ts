import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** The request id a client or proxy sent (when it is a plain token), else a new one. */
export function requestIdOf(headers: { get(name: string): string | null } | IncomingMessage['headers']): string {
  const given =
    'get' in headers && typeof headers.get === 'function'
      ? headers.get('x-request-id')
      : (headers as IncomingMessage['headers'])['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}
