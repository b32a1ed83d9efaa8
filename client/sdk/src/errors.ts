/** The codes of the API (`extensions.code`), and the SDK's own for failures before an answer. */
export type ChatErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'INTERNAL'
  /** The server could not be reached, or answered with something that is not GraphQL. */
  | 'NETWORK'
  /** The client was closed. */
  | 'CLOSED';

/** One GraphQL error as the server sends it. */
export interface GraphQLErrorLike {
  message: string;
  path?: readonly (string | number)[];
  extensions?: Record<string, unknown>;
}

const KNOWN_CODES = new Set<string>([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'CONFLICT',
  'RATE_LIMITED',
  'INTERNAL',
  'NETWORK',
  'CLOSED',
]);

/**
 * Every failure the SDK reports: `code` says what kind (see API.md), `field` names the input field of
 * a BAD_USER_INPUT or CONFLICT, `retryAfterMs` says when a RATE_LIMITED call may be tried again.
 */
export class ChatError extends Error {
  override readonly name = 'ChatError';
  readonly code: ChatErrorCode;
  readonly field?: string;
  readonly retryAfterMs?: number;
  /** HTTP status of the response, when there was one. */
  readonly status?: number;
  /** WebSocket close code, when a socket close caused it. */
  readonly closeCode?: number;
  /** Every GraphQL error of the response (the first one gave code, field and message). */
  readonly errors: readonly GraphQLErrorLike[];

  constructor(
    code: ChatErrorCode,
    message: string,
    details: {
      field?: string;
      retryAfterMs?: number;
      status?: number;
      closeCode?: number;
      errors?: readonly GraphQLErrorLike[];
      cause?: unknown;
    } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    if (details.field !== undefined) this.field = details.field;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
    if (details.status !== undefined) this.status = details.status;
    if (details.closeCode !== undefined) this.closeCode = details.closeCode;
    this.errors = details.errors ?? [];
  }

  /** The error of a GraphQL response's `errors` (the first one decides the code). */
  static fromGraphQLErrors(errors: readonly GraphQLErrorLike[], status?: number): ChatError {
    const first = errors[0] ?? { message: 'Unknown error' };
    const extensions = first.extensions ?? {};
    const given = typeof extensions.code === 'string' ? extensions.code : 'INTERNAL';
    const code = (KNOWN_CODES.has(given) ? given : 'INTERNAL') as ChatErrorCode;
    return new ChatError(code, first.message, {
      field: typeof extensions.field === 'string' ? extensions.field : undefined,
      retryAfterMs: typeof extensions.retryAfterMs === 'number' ? extensions.retryAfterMs : undefined,
      status,
      errors,
    });
  }
}

/** True for a ChatError (of one of `codes`, when given). */
export function isChatError(error: unknown, ...codes: ChatErrorCode[]): error is ChatError {
  return error instanceof ChatError && (codes.length === 0 || codes.includes(error.code));
}
