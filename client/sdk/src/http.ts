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
 * The Blobs (File arguments) among `variables`, each with its path, and the variables with null in
 * their place: what the GraphQL multipart request spec sends.
 */
function extractFiles(value: unknown, path: string, files: [string, Blob][]): unknown {
  if (typeof Blob !== 'undefined' && value instanceof Blob) {
    files.push([path, value]);
    return null;
  }
  if (Array.isArray(value)) return value.map((item, i) => extractFiles(item, `${path}.${i}`, files));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, extractFiles(v, `${path}.${k}`, files)]));
  }
  return value;
}

/**
 * The body of a request: JSON, or a multipart form (the GraphQL multipart request spec) when its
 * variables hold files. A multipart request carries `x-graphql-csrf` (the server's CSRF rule).
 */
function bodyOf(request: GraphQLRequest): { body: string | FormData; headers: Record<string, string> } {
  const files: [string, Blob][] = [];
  const variables = extractFiles(request.variables, 'variables', files);
  if (files.length === 0) return { body: JSON.stringify(request), headers: { 'content-type': 'application/json' } };
  const form = new FormData();
  form.set('operations', JSON.stringify({ ...request, variables }));
  form.set('map', JSON.stringify(Object.fromEntries(files.map(([path], i) => [String(i), [path]]))));
  files.forEach(([, file], i) => form.set(String(i), file, (file as File).name || 'file'));
  return { body: form, headers: { 'x-graphql-csrf': '1' } };
}

/**
 * One GraphQL request over HTTP POST (multipart when it carries files). Resolves with the data; rejects with a ChatError: the
 * server's own code for GraphQL errors, NETWORK when there was no GraphQL answer.
 */
export async function postGraphQL(
  fetchImpl: FetchLike,
  url: string,
  request: GraphQLRequest,
  options: { token?: string | null; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<Record<string, unknown>> {
  let response: Response;
  const { body: requestBody, headers: bodyHeaders } = bodyOf(request);
  try {
    response = await fetchImpl(url, {
      method: 'POST',
      headers: {
        ...bodyHeaders,
        accept: 'application/graphql-response+json, application/json',
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...options.headers,
      },
      body: requestBody,
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
