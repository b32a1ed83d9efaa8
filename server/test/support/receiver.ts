import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One POST a receiver got, and how it was answered (null while unanswered or never). */
export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  answered: number | null;
}

/** What a path answers a request with: a status, or 'hang' (no answer until the receiver closes). */
export type Answer = number | 'hang';

/**
 * A webhook receiver on loopback, as a team would run one: it records every POST and answers each
 * path as `answer` says (200 by default), given the request and how many that path had before.
 */
export async function startReceiver(
  answer: (request: Received, earlier: number) => Answer | Promise<Answer> = () => 200,
) {
  const received: Received[] = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: Received = {
        path: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
        answered: null,
      };
      const earlier = received.filter((r) => r.path === request.path).length;
      received.push(request);
      void Promise.resolve(answer(request, earlier)).then((status) => {
        if (status === 'hang') {
          hanging.add(res);
          return;
        }
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(status < 300 ? 'ok' : `answered ${status}`, () => {
          if (!res.destroyed) request.answered = status;
        });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    /** The requests to `path`, in the order they came. */
    at: (path: string) => received.filter((r) => r.path === path),
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;
