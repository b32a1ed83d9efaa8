import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { spawnServer } from './support/server.js';

describe('configuration', () => {
  it('has defaults for the embedded mode', () => {
    const config = loadConfig({});
    expect(config.port).toBe(4000);
    expect(config.host).toBe('0.0.0.0');
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.dataDir).toBe('./data');
    expect(config.jwt.accessTokenTtlMs).toBe(15 * 60_000);
    expect(config.jwt.refreshTokenTtlMs).toBe(30 * 86_400_000);
    expect(config.graphiql).toBe(true);
    expect(config.rateLimits).toBe(true);
    expect(config.readReceiptsMaxMembers).toBe(20);
  });

  it('reads durations with units and lists', () => {
    const config = loadConfig({
      ACCESS_TOKEN_TTL: '5m',
      REFRESH_TOKEN_TTL: '7d',
      CORS_ORIGINS: 'https://a.example, https://b.example',
    });
    expect(config.jwt.accessTokenTtlMs).toBe(300_000);
    expect(config.jwt.refreshTokenTtlMs).toBe(7 * 86_400_000);
    expect(config.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
  });

  it.each([
    [{ PORT: 'abc' }, /^invalid setting PORT: must be a whole number \(got "abc"\)$/],
    [{ PORT: '70000' }, /^invalid setting PORT: /],
    [{ DATABASE_URL: 'not a url' }, /^invalid setting DATABASE_URL: must be a URL like postgresql:/],
    [{ DATABASE_URL: 'mysql://x@host/db' }, /^invalid setting DATABASE_URL: /],
    [{ REDIS_URL: 'http://localhost' }, /^invalid setting REDIS_URL: /],
    [{ JWT_SECRET: 'short' }, /^invalid setting JWT_SECRET: must be at least 32 characters$/],
    [{ NODE_ENV: 'production' }, /^invalid setting JWT_SECRET: is required when NODE_ENV=production$/],
    [{ ACCESS_TOKEN_TTL: 'soon' }, /^invalid setting ACCESS_TOKEN_TTL: must be a duration/],
    [{ LOG_LEVEL: 'loud' }, /^invalid setting LOG_LEVEL: /],
    [{ REDIS_CLUSTER_NODES: 'redis-1' }, /^invalid setting REDIS_CLUSTER_NODES: must be a list of host:port/],
    [{ REDIS_CLUSTER_NODES: ' , ' }, /^invalid setting REDIS_CLUSTER_NODES: must name at least one node/],
    [
      { REDIS_URL: 'redis://r:6379', REDIS_CLUSTER_NODES: 'r1:6379' },
      /^invalid setting REDIS_CLUSTER_NODES: cannot be set together with REDIS_URL/,
    ],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, /^invalid setting OTEL_EXPORTER_OTLP_ENDPOINT: must be a URL/],
    [{ READ_RECEIPTS_MAX_MEMBERS: '-1' }, /^invalid setting READ_RECEIPTS_MAX_MEMBERS: must be a whole number/],
  ])('refuses %o with one line naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('reads a Redis Cluster as its nodes', () => {
    const config = loadConfig({ REDIS_CLUSTER_NODES: 'redis-1:7000, 10.0.0.2:7001' });
    expect(config.redisUrl).toBeUndefined();
    expect(config.redisClusterNodes).toEqual([
      { host: 'redis-1', port: 7000 },
      { host: '10.0.0.2', port: 7001 },
    ]);
  });

  it('never echoes a secret or a URL that may hold a password', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres:/:hunter2@' })).toThrow(/^((?!hunter2).)*$/);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ DATABASE_URL: 'postgres//nope' }, 'DATABASE_URL'],
  ])('the server started with %o exits 2 at once with one line', async (env, variable) => {
    const server = spawnServer(env);
    const code = await server.exited;
    expect(code).toBe(2);
    const lines = server.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`invalid setting ${variable}`);
  });
});
