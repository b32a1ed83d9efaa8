// A POST over kept-alive HTTP/1.1 sockets (node:http): what the benchmarks send requests with.
// Node's fetch costs ~0.5 ms more per request on a 2-core box and widens the tail.
import { Agent, request } from 'node:http';

/** A request that has not finished after this long fails. */
export const HTTP_TIMEOUT_MS = 30_000;

// Idle keep-alive sockets are dropped after 4 s, before the servers' 5 s keepAliveTimeout, so a
// request never goes out on a socket the server is closing (ECONNRESET).
const agent = new Agent({ keepAlive: true, maxSockets: 256, timeout: 4_000 });

/** POSTs a JSON `body` to `url` + `path`; resolves with the status and the response text. */
export function post(url: string, path: string, body: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const target = new URL(path, url);
    const req = request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
        timeout: HTTP_TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

/** Closes the kept-alive sockets (at the end of a run, so the process can exit at once). */
export function closeHttp(): void {
  agent.destroy();
}
