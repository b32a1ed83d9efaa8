import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';

const run = promisify(execFile);

/** A free loopback port (the OS picks it; nothing holds it afterwards). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function until(condition: () => Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface RedisCluster {
  /** The nodes as REDIS_CLUSTER_NODES takes them: 127.0.0.1:port,… */
  nodes: string;
  ports: number[];
  /**
   * Stops node `index` (SIGTERM, no persistence: its keys are lost) and starts it again on the same
   * port: after `down` milliseconds, or once `down` settles when it is a promise.
   */
  restart(index: number, down?: number | Promise<unknown>): Promise<void>;
  /** A plain connection to node `index` (closed by stop). */
  node(index: number): Redis;
  stop(): Promise<void>;
}

/**
 * A Redis Cluster of `masters` nodes on free loopback ports, made with Debian's redis-server (7.0
 * or newer, for sharded pub/sub) and `redis-cli --cluster create`; no replicas, nothing persisted.
 * Resolves once every node reports cluster_state:ok.
 */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'chat-redis-cluster-'));
  const ports: number[] = [];
  const busPorts: number[] = [];
  while (ports.length < masters) {
    const [port, bus] = [await freePort(), await freePort()];
    if (port === bus || ports.includes(port) || busPorts.includes(bus)) continue;
    ports.push(port);
    busPorts.push(bus);
  }
  const processes: (ChildProcess | undefined)[] = [];
  const connections: Redis[] = [];
  const launch = async (i: number) => {
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(ports[i]),
        '--cluster-port',
        String(busPorts[i]),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, `nodes-${ports[i]}.conf`),
        '--cluster-node-timeout',
        '1000',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
      ],
      { stdio: 'ignore' },
    );
    processes[i] = child;
    const probe = new Redis({ port: ports[i], host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null });
    probe.on('error', () => undefined);
    await until(
      async () => {
        if (probe.status !== 'ready') await probe.connect().catch(() => undefined);
        return (await probe.ping()) === 'PONG';
      },
      10_000,
      `redis-server on port ${ports[i]}`,
    );
    probe.disconnect();
  };
  const clusterOk = () =>
    until(
      async () => {
        const states = await Promise.all(
          ports.map(async (port) => (await run('redis-cli', ['-p', String(port), 'cluster', 'info'])).stdout),
        );
        return states.every((info) => info.includes('cluster_state:ok'));
      },
      20_000,
      'cluster_state:ok on every node',
    );
  const stopNode = async (i: number) => {
    const child = processes[i];
    processes[i] = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  const stop = async () => {
    for (const connection of connections) connection.disconnect();
    await Promise.all(ports.map((_, i) => stopNode(i)));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all(ports.map((_, i) => launch(i)));
    await run('redis-cli', [
      '--cluster',
      'create',
      ...ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    await clusterOk();
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    nodes: ports.map((port) => `127.0.0.1:${port}`).join(','),
    ports,
    async restart(index, down = 0) {
      await stopNode(index);
      await (typeof down === 'number' ? new Promise((r) => setTimeout(r, down)) : down.catch(() => undefined));
      await launch(index);
      await clusterOk();
    },
    node(index) {
      const connection = new Redis({ port: ports[index], host: '127.0.0.1' });
      connection.on('error', () => undefined);
      connections.push(connection);
      return connection;
    },
    stop,
  };
}
