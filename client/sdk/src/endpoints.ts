/**
 * Where to send requests: one URL, a list to fail over between (a request that cannot reach one
 * moves on to the next), or a function asked before every request or connection.
 */
export type Endpoint = string | readonly string[] | (() => string | Promise<string>);

export interface EndpointPicker {
  /** The URL to use now. */
  current(): Promise<string>;
  /** Reports that `url` could not be reached: a list moves on to its next URL. */
  failed(url: string): void;
  /** How many different URLs there are to try (1 for a function). */
  readonly size: number;
}

export function endpointPicker(endpoint: Endpoint): EndpointPicker {
  if (typeof endpoint === 'function') {
    return { current: async () => endpoint(), failed: () => undefined, size: 1 };
  }
  const urls = typeof endpoint === 'string' ? [endpoint] : [...endpoint];
  if (urls.length === 0) throw new Error('createChatClient: no URL given');
  let index = 0;
  return {
    current: async () => urls[index]!,
    failed(url) {
      if (urls[index] === url) index = (index + 1) % urls.length;
    },
    size: urls.length,
  };
}

/** The WebSocket URL of an HTTP GraphQL URL: http → ws, https → wss. */
export function toWebSocketUrl(url: string): string {
  return url.replace(/^http(s?):/i, 'ws$1:');
}

/** The WebSocket endpoint that goes with an HTTP one. */
export function webSocketEndpoint(endpoint: Endpoint): Endpoint {
  if (typeof endpoint === 'string') return toWebSocketUrl(endpoint);
  if (typeof endpoint === 'function') return async () => toWebSocketUrl(await endpoint());
  return endpoint.map(toWebSocketUrl);
}
