import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

/** A TCP proxy in front of a service (PostgreSQL, Redis) that a test can take down and bring back. */
export interface Proxy {
  port: number;
  /** Cuts the connections open through it and refuses new ones (closed at once) until `up()`. */
  down(): void;
  up(): void;
  /** Stops listening and cuts everything: the service is unreachable for good. */
  cut(): Promise<void>;
}

export async function startProxy(target: { hostname: string; port: number }): Promise<Proxy> {
  const sockets = new Set<Socket>();
  let refusing = false;
  const server = createServer((client) => {
    if (refusing) return void client.destroy();
    const upstream = connect(target.port, target.hostname);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const cutAll = () => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    port: (server.address() as AddressInfo).port,
    down() {
      refusing = true;
      cutAll();
    },
    up() {
      refusing = false;
    },
    async cut() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        cutAll();
      });
    },
  };
}

/**
 * A proxy in front of the service at `url` (postgresql:, redis:), and the same URL through it;
 * cut by `cleanups`.
 */
export async function throughProxy(
  url: string,
  cleanups: (() => Promise<void>)[],
): Promise<{ proxy: Proxy; url: string }> {
  const target = new URL(url);
  const defaultPort = target.protocol === 'redis:' ? 6379 : 5432;
  const proxy = await startProxy({ hostname: target.hostname, port: Number(target.port || defaultPort) });
  cleanups.push(() => proxy.cut());
  const via = new URL(url);
  via.hostname = '127.0.0.1';
  via.port = String(proxy.port);
  return { proxy, url: via.toString() };
}
