import { freshDatabaseEnv } from './databases.js';
import { hasPostgres, hasRedis, hasRedisCluster, ownRedisDatabase } from './env.js';
import { startRedisCluster } from './redis-cluster.js';
import { spawnServer, startServer } from './server.js';

/**
 * The ways replicas share events and state, for tests that must hold in each: one Redis
 * (REDIS_URL, on a database of the test worker's own), and a 3-master Redis Cluster with sharded pub/sub (REDIS_CLUSTER_NODES) that the
 * test file starts for itself. `env` gives a server's settings for the mode; `cleanups` stop what
 * it started.
 */
export interface SharedMode {
  name: string;
  run: boolean;
  env(cleanups: (() => Promise<void>)[]): Promise<Record<string, string>>;
}

export const sharedModes: SharedMode[] = [
  { name: 'one Redis', run: hasRedis, env: async () => ({ REDIS_URL: ownRedisDatabase() }) },
  {
    name: 'a Redis Cluster',
    run: hasRedisCluster,
    async env(cleanups) {
      const cluster = await startRedisCluster();
      cleanups.push(cluster.stop);
      return { REDIS_CLUSTER_NODES: cluster.nodes };
    },
  },
];

/**
 * Where a live test runs: one replica with the in-process pub/sub, and two server processes in each
 * shared mode (on PostgreSQL, which they share). Only those that can run here.
 */
export const replicaSetups: { name: string; shared?: SharedMode }[] = [
  { name: 'in-process pub/sub, one replica' },
  ...sharedModes
    .filter((mode) => mode.run && hasPostgres)
    .map((mode) => ({ name: `${mode.name}, two server processes`, shared: mode })),
];

export interface Replica {
  url: string;
  wsUrl: string;
}

/**
 * The replicas of `setup` on a fresh database: one in-process server, or two server processes
 * sharing the mode (and PostgreSQL). `settings` go to every server, `sharedSettings` only to the
 * processes of a shared mode. `cleanups` stop them.
 */
export async function startReplicas(
  { shared }: (typeof replicaSetups)[number],
  cleanups: (() => Promise<void>)[],
  settings: Record<string, string> = {},
  sharedSettings: Record<string, string> = {},
): Promise<Replica[]> {
  const env = { ...(await freshDatabaseEnv(cleanups, shared ? 'postgres' : undefined)), ...settings };
  if (!shared) {
    const server = await startServer(env);
    cleanups.push(server.stop);
    return [{ url: server.url, wsUrl: server.wsUrl }];
  }
  const both = { ...env, ...(await shared.env(cleanups)), ...sharedSettings };
  const processes = [spawnServer(both), spawnServer(both)];
  cleanups.push(async () => {
    for (const p of processes) p.kill();
    await Promise.all(processes.map((p) => p.exited));
  });
  return (await Promise.all(processes.map((p) => p.ready))).map((url) => ({
    url,
    wsUrl: `${url.replace(/^http/, 'ws')}/graphql`,
  }));
}
