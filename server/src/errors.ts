/**
 * Domain errors. Code in chat/ and auth/ throws these; schema/errors.ts turns them into GraphQL
 * errors with `extensions.code` (and `extensions.field` for input problems). Anything else that
 * escapes a resolver is reported as INTERNAL with nothing of its message.
 */
export type ErrorCode =
  'UNAUTHENTICATED' | 'FORBIDDEN' | 'BAD_USER_INPUT' | 'NOT_FOUND' | 'CONFLICT' | 'RATE_LIMITED' | 'INTERNAL';

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const unauthenticated = (message = 'You must be signed in') => new AppError('UNAUTHENTICATED', message);
export const forbidden = (message = 'You are not allowed to do this', field?: string) =>
  new AppError('FORBIDDEN', message, field ? { field } : {});
export const notFound = (what: string) => new AppError('NOT_FOUND', `${what} not found`);
export const conflict = (message: string, field?: string) => new AppError('CONFLICT', message, field ? { field } : {});
/** A validation failure of one input field: the message says which field and why. */
export const badInput = (field: string, why: string) => new AppError('BAD_USER_INPUT', `${field} ${why}`, { field });
export const rateLimited = (retryAfterMs: number, message = 'Too many attempts; try again later') =>
  new AppError('RATE_LIMITED', message, { retryAfterMs: Math.max(1, Math.ceil(retryAfterMs)) });
