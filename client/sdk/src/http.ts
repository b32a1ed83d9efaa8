import { ChatError, type GraphQLErrorLike } from './errors.js';

export interface GraphQLRequest {
  /** The text; left out when `extensions` names a trusted document the server knows. */
  query?: string;
  variables?: Record<string, unknown>;
  operationName?: string;
  extensions?: Record<string, unknown>;
}

export interface GraphQLResponse {
  data?: Record<string, unknown> | null;
  errors?: GraphQLErrorLike[];
}

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** Statuses a proxy answers with when the replica behind it is gone: worth another try elsewhere. */
const UNAVAILABLE = new Set([502, 503, 504]);

/** True for a failure that happened before the server could act on the request (safe to retry). */
export function isUnreachable(error: unknown): boolean {
  return (
    error instanceof ChatError &&
    error.code === 'NETWORK' &&
    (error.status === undefined || UNAVAILABLE.has(error.status))
  );
}

/**
 * One GraphQL request over HTTP POST. Resolves with the data; rejects with a ChatError: the
 * server's own code for GraphQL errors, NETWORK when there was no GraphQL answer.
 */
export async function postGraphQL(
  fetchImpl: FetchLike,
  url: string,
  request: GraphQLRequest,
  options: { token?: string | null; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<Record<string, unknown>> {
  let response: Response;
  try {
    response = await fetchImpl(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...options.headers,
      },
      body: JSON.stringify(request),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if ((error as { name?: string })?.name === 'AbortError') throw error;
    throw new ChatError('NETWORK', `Could not reach ${url}: ${(error as Error)?.message ?? error}`, { cause: error });
  }
  const type = response.headers.get('content-type') ?? '';
  let body: GraphQLResponse | undefined;
  if (type.includes('json')) {
    try {
      body = (await response.json()) as GraphQLResponse;
    } catch (error) {
      throw new ChatError('NETWORK', `Unreadable response from ${url} (HTTP ${response.status})`, {
        status: response.status,
        cause: error,
      });
    }
  } else {
    await response.body?.cancel().catch(() => undefined);
  }
  if (body?.errors?.length) throw ChatError.fromGraphQLErrors(body.errors, response.status);
  if (!response.ok || !body?.data) {
    throw new ChatError('NETWORK', `HTTP ${response.status} from ${url} without a GraphQL result`, {
      status: response.status,
    });
  }
  return body.data;
}
