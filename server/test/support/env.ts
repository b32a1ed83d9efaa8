import { spawnSync } from 'node:child_process';
/**
 * What the test run has: PostgreSQL when DATABASE_URL is set, Redis when REDIS_URL is set (CI sets
 * both). Without them, tests run on the embedded database and in-process pub/sub, and the ones that
 * need the real services are skipped, saying so; under CI=true a missing service fails instead.
 */
export const adminDatabaseUrl = process.env.DATABASE_URL || undefined;
export const redisUrl = process.env.REDIS_URL || undefined;
export const ci = process.env.CI === 'true';

function need(name: string, present: boolean): boolean {
  if (present) return true;
  if (ci) throw new Error(`${name} is required under CI=true but is not set`);
  console.warn(`[tests] ${name} is not set: skipping the tests that need it`);
  return false;
}

/** True when PostgreSQL is available; throws under CI when it is not. Use with describe.runIf. */
export const hasPostgres = need('DATABASE_URL (PostgreSQL)', !!adminDatabaseUrl);
/** True when Redis is available; throws under CI when it is not. */
export const hasRedis = need('REDIS_URL (Redis)', !!redisUrl);

/**
 * REDIS_URL on a logical database of this test worker's own (1 to 15, by vitest's pool id, which no
 * two files running at once share): what its servers keep in Redis — who is online, the abuse
 * limits — is not what the files running beside it keep, as with a database of its own. Pub/sub is
 * not per database; its channels are named by ids, which no two tests share.
 */
export function ownRedisDatabase(): string {
  const url = new URL(redisUrl!);
  url.pathname = `/${1 + ((Number(process.env.VITEST_POOL_ID ?? 1) - 1) % 15)}`;
  return url.href;
}

const runs = (command: string) => spawnSync(command, ['--version'], { stdio: 'ignore' }).status === 0;
/**
 * True when Debian's redis-server and redis-cli are installed, so tests can make a Redis Cluster of
 * their own (support/redis-cluster.ts); throws under CI when they are not.
 */
export const hasRedisCluster = need(
  'redis-server and redis-cli (Redis Cluster)',
  runs('redis-server') && runs('redis-cli'),
);
