import { tmpdir } from 'node:os';
import { z } from 'zod';

/**
 * Every setting of the server, read once from the environment and validated. Nothing else in the
 * code reads process.env. A bad value is reported as one line naming the variable.
 */

const bool = z
  .enum(['true', 'false', '1', '0', 'on', 'off', 'yes', 'no'])
  .transform((v) => ['true', '1', 'on', 'yes'].includes(v));
const int = (min: number, max: number) =>
  z.string().regex(/^\d+$/, 'must be a whole number').transform(Number).pipe(z.number().int().min(min).max(max));
const duration = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)?$/, 'must be a duration like 900, 900s, 15m, 12h or 30d (seconds when no unit)')
  .transform((v) => {
    const m = /^(\d+)(ms|s|m|h|d)?$/.exec(v)!;
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? 's']!;
    return Number(m[1]) * unit;
  });
/** A budget: "20/10s" is 20 per 10 seconds. */
const budget = z
  .string()
  .regex(/^\d+\/\d+(ms|s|m|h|d)?$/, 'must be a budget like 20/10s (20 per 10 seconds)')
  .transform((v) => {
    const [points, window] = v.split('/') as [string, string];
    return { points: Math.max(1, Number(points)), windowMs: duration.parse(window) };
  });
const url = (protocols: string[], example: string) =>
  z.string().refine(
    (v) => {
      try {
        const u = new URL(v);
        return protocols.includes(u.protocol) && u.hostname !== '';
      } catch {
        return false;
      }
    },
    { message: `must be a URL like ${example}` },
  );

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: int(0, 65535).default(4000),
    HOST: z.string().min(1).default('0.0.0.0'),
    DATABASE_URL: url(['postgres:', 'postgresql:'], 'postgresql://user:pass@host:5432/db').optional(),
    DATABASE_POOL_SIZE: int(1, 1000).default(10),
    DATABASE_PREPARED_STATEMENTS: bool.default(true),
    DATABASE_LISTEN_URL: url(['postgres:', 'postgresql:'], 'postgresql://user:pass@host:5432/db').optional(),
    DATA_DIR: z.string().min(1).default('./data'),
    REDIS_URL: url(['redis:', 'rediss:'], 'redis://host:6379').optional(),
    REDIS_CLUSTER_NODES: z
      .string()
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      )
      .pipe(
        z
          .array(z.string().regex(/^[^\s:/]+:\d{1,5}$/, 'must be a list of host:port like redis-1:6379,redis-2:6379'))
          .min(1, 'must name at least one node (host:port)'),
      )
      .transform((nodes) =>
        nodes.map((node) => {
          const at = node.lastIndexOf(':');
          return { host: node.slice(0, at), port: Number(node.slice(at + 1)) };
        }),
      )
      .optional(),
    OTEL_EXPORTER_OTLP_ENDPOINT: url(['http:', 'https:'], 'http://collector:4318').optional(),
    OTEL_SERVICE_NAME: z.string().min(1).default('chat-server'),
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    JWT_ISSUER: z.string().min(1).default('chat'),
    JWT_AUDIENCE: z.string().min(1).default('chat-api'),
    ACCESS_TOKEN_TTL: duration.default(15 * 60_000),
    REFRESH_TOKEN_TTL: duration.default(30 * 86_400_000),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
    CORS_ORIGINS: z
      .string()
      .default('')
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ),
    TRUSTED_DOCUMENTS_ONLY: bool.default(false),
    TRUSTED_DOCUMENTS_FILES: z
      .string()
      .default('client/sdk/src/generated/trusted-documents.json,client/web/src/gql/persisted-documents.json')
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ),
    WEB_APP: bool.default(true),
    WEB_APP_DIR: z.string().min(1).default('client/web/dist'),
    GRAPHIQL: bool.optional(),
    INTROSPECTION: bool.optional(),
    RATE_LIMITS: z.enum(['on', 'off']).default('on'),
    TRUST_PROXY: bool.default(false),
    SHUTDOWN_TIMEOUT: duration.default(8_000),
    WS_KEEPALIVE: duration.default(12_000),
    MAX_SUBSCRIPTIONS_PER_SOCKET: int(1, 10_000).default(100),
    MAX_SOCKETS_PER_USER: int(1, 10_000).default(20),
    MAX_UNSENT_BYTES_PER_CONNECTION: int(64 * 1024, 1024 * 1024 * 1024).default(1024 * 1024),
    READ_RECEIPTS_MAX_MEMBERS: int(0, 1_000_000).default(20),
    PRESENCE_HEARTBEAT: duration.default(5_000),
    PRESENCE_TTL: duration.default(20_000),
    LOGIN_MAX_FAILURES_PER_USER: int(1, 100_000).default(10),
    LOGIN_MAX_FAILURES_PER_ADDRESS: int(1, 100_000).default(50),
    LOGIN_FAILURE_WINDOW: duration.default(15 * 60_000),
    RATE_LIMIT_SEND_MESSAGE: budget.default({ points: 20, windowMs: 10_000 }),
    RATE_LIMIT_CREATE_ROOM: budget.default({ points: 10, windowMs: 600_000 }),
    RATE_LIMIT_SET_TYPING: budget.default({ points: 30, windowMs: 10_000 }),
    RATE_LIMIT_REACT: budget.default({ points: 30, windowMs: 10_000 }),
    RATE_LIMIT_INVITE: budget.default({ points: 30, windowMs: 600_000 }),
    RATE_LIMIT_REGISTER: budget.default({ points: 10, windowMs: 3_600_000 }),
    RATE_LIMIT_CONNECT: budget.default({ points: 60, windowMs: 60_000 }),
    RATE_LIMIT_ADDRESS_FACTOR: int(1, 1000).default(5),
    MAX_BODY_BYTES: int(1024, 100 * 1024 * 1024).default(1024 * 1024),
    MAX_WS_MESSAGE_BYTES: int(1024, 100 * 1024 * 1024).default(256 * 1024),
    GRAPHQL_MAX_DEPTH: int(1, 1000).default(12),
    GRAPHQL_MAX_COST: int(1, 10_000_000).default(20_000),
    GRAPHQL_MAX_ALIASES: int(0, 10_000).default(30),
    GRAPHQL_MAX_TOKENS: int(10, 1_000_000).default(2_000),
    GRAPHQL_MAX_DIRECTIVES: int(0, 10_000).default(20),
    WEBHOOK_ALLOW_HTTP: bool.default(false),
    WEBHOOK_ALLOW_PRIVATE: bool.default(false),
    WEBHOOK_TIMEOUT: duration.default(10_000),
    WEBHOOK_RETRY_BASE: duration.default(10_000),
    WEBHOOK_RETRY_WINDOW: duration.default(24 * 3_600_000),
    WEBHOOK_POLL_INTERVAL: duration.default(30_000),
    WEBHOOK_CONCURRENCY: int(1, 1_000).default(16),
    WEBHOOKS_PER_ROOM: int(1, 1_000).default(10),
    VAPID_PUBLIC_KEY: z
      .string()
      .regex(/^[A-Za-z0-9_-]{80,100}$/, 'must be a base64url P-256 public key')
      .optional(),
    VAPID_PRIVATE_KEY: z
      .string()
      .regex(/^[A-Za-z0-9_-]{40,50}$/, 'must be a base64url P-256 private key')
      .optional(),
    VAPID_SUBJECT: z
      .string()
      .regex(/^(mailto:.+|https:\/\/.+)$/, 'must be a mailto: or https: URL')
      .default('mailto:chat@localhost'),
    PUSH_ALLOW_PRIVATE: bool.default(false),
    PUSH_TIMEOUT: duration.default(10_000),
    PUSH_RETRY_BASE: duration.default(5_000),
    PUSH_MAX_ATTEMPTS: int(1, 100).default(5),
    PUSH_POLL_INTERVAL: duration.default(30_000),
    PUSH_CONCURRENCY: int(1, 1_000).default(16),
    ARGON2_MEMORY_KIB: int(19_456, 4_194_304).default(19_456),
    ARGON2_ITERATIONS: int(2, 100).default(2),
    ARGON2_PARALLELISM: int(1, 16).default(1),
    MAX_ATTACHMENT_BYTES: int(1, 2 ** 31 - 1).default(25 * 1024 * 1024),
    MAX_IMAGE_PIXELS: int(1, 1_000_000_000).default(50_000_000),
    ATTACHMENT_URL_TTL: duration.default(3_600_000),
    UNSENT_ATTACHMENT_TTL: duration.default(86_400_000),
    ATTACHMENT_SWEEP_INTERVAL: duration.default(600_000),
    UPLOAD_TMP_DIR: z.string().min(1).optional(),
    S3_URL: url(['http:', 'https:'], 'https://s3.example.com').optional(),
    S3_PUBLIC_URL: url(['http:', 'https:'], 'https://files.example.com').optional(),
    S3_BUCKET: z.string().min(1).optional(),
    S3_ACCESS_KEY_ID: z.string().min(1).optional(),
    S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    S3_REGION: z.string().min(1).default('us-east-1'),
    S3_FORCE_PATH_STYLE: bool.optional(),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && !env.JWT_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'is required when NODE_ENV=production' });
    }
    if (!env.VAPID_PUBLIC_KEY !== !env.VAPID_PRIVATE_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: [env.VAPID_PUBLIC_KEY ? 'VAPID_PRIVATE_KEY' : 'VAPID_PUBLIC_KEY'],
        message: 'is required with the other VAPID key (set both, or neither)',
      });
    }
    if (env.REDIS_URL && env.REDIS_CLUSTER_NODES) {
      ctx.addIssue({
        code: 'custom',
        path: ['REDIS_CLUSTER_NODES'],
        message: 'cannot be set together with REDIS_URL: set REDIS_URL for one Redis, or this for a Redis Cluster',
      });
    }
    if ((env.S3_URL || env.S3_ACCESS_KEY_ID || env.S3_SECRET_ACCESS_KEY) && !env.S3_BUCKET) {
      ctx.addIssue({ code: 'custom', path: ['S3_BUCKET'], message: 'is required when any other S3_ setting is set' });
    }
    if (!env.S3_ACCESS_KEY_ID !== !env.S3_SECRET_ACCESS_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: [env.S3_ACCESS_KEY_ID ? 'S3_SECRET_ACCESS_KEY' : 'S3_ACCESS_KEY_ID'],
        message: 'is required with the other S3 credential',
      });
    }
  });

export type Config = ReturnType<typeof toConfig>;

function toConfig(env: z.infer<typeof schema>) {
  const production = env.NODE_ENV === 'production';
  return {
    env: env.NODE_ENV,
    production,
    port: env.PORT,
    host: env.HOST,
    databaseUrl: env.DATABASE_URL,
    databasePoolSize: env.DATABASE_POOL_SIZE,
    databasePreparedStatements: env.DATABASE_PREPARED_STATEMENTS,
    databaseListenUrl: env.DATABASE_LISTEN_URL,
    dataDir: env.DATA_DIR,
    redisUrl: env.REDIS_URL,
    redisClusterNodes: env.REDIS_CLUSTER_NODES,
    tracing: env.OTEL_EXPORTER_OTLP_ENDPOINT
      ? { endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: env.OTEL_SERVICE_NAME }
      : undefined,
    jwt: {
      secret: env.JWT_SECRET,
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      accessTokenTtlMs: env.ACCESS_TOKEN_TTL,
      refreshTokenTtlMs: env.REFRESH_TOKEN_TTL,
    },
    argon2: {
      memoryCost: env.ARGON2_MEMORY_KIB,
      timeCost: env.ARGON2_ITERATIONS,
      parallelism: env.ARGON2_PARALLELISM,
    },
    loginLimits: {
      maxFailuresPerUser: env.LOGIN_MAX_FAILURES_PER_USER,
      maxFailuresPerAddress: env.LOGIN_MAX_FAILURES_PER_ADDRESS,
      windowMs: env.LOGIN_FAILURE_WINDOW,
    },
    limits: {
      sendMessage: env.RATE_LIMIT_SEND_MESSAGE,
      createRoom: env.RATE_LIMIT_CREATE_ROOM,
      setTyping: env.RATE_LIMIT_SET_TYPING,
      react: env.RATE_LIMIT_REACT,
      invite: env.RATE_LIMIT_INVITE,
      register: env.RATE_LIMIT_REGISTER,
      connect: env.RATE_LIMIT_CONNECT,
      addressFactor: env.RATE_LIMIT_ADDRESS_FACTOR,
    },
    maxBodyBytes: env.MAX_BODY_BYTES,
    maxWsMessageBytes: env.MAX_WS_MESSAGE_BYTES,
    graphqlLimits: {
      maxDepth: env.GRAPHQL_MAX_DEPTH,
      maxCost: env.GRAPHQL_MAX_COST,
      maxAliases: env.GRAPHQL_MAX_ALIASES,
      maxTokens: env.GRAPHQL_MAX_TOKENS,
      maxDirectives: env.GRAPHQL_MAX_DIRECTIVES,
    },
    log: { level: env.LOG_LEVEL, format: env.LOG_FORMAT ?? (production ? 'json' : 'pretty') },
    corsOrigins: env.CORS_ORIGINS,
    trustedDocuments: { only: env.TRUSTED_DOCUMENTS_ONLY, files: env.TRUSTED_DOCUMENTS_FILES },
    webApp: { enabled: env.WEB_APP, dir: env.WEB_APP_DIR },
    graphiql: env.GRAPHIQL ?? !production,
    introspection: env.INTROSPECTION ?? !production,
    rateLimits: env.RATE_LIMITS === 'on',
    trustProxy: env.TRUST_PROXY,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT,
    ws: {
      keepAliveMs: env.WS_KEEPALIVE,
      maxSubscriptionsPerSocket: env.MAX_SUBSCRIPTIONS_PER_SOCKET,
      maxSocketsPerUser: env.MAX_SOCKETS_PER_USER,
      maxUnsentBytes: env.MAX_UNSENT_BYTES_PER_CONNECTION,
    },
    /** Rooms of up to this many members share their read receipts with everyone (chat/rooms.ts). */
    readReceiptsMaxMembers: env.READ_RECEIPTS_MAX_MEMBERS,
    presence: { heartbeatMs: env.PRESENCE_HEARTBEAT, ttlMs: env.PRESENCE_TTL },
    attachments: {
      maxBytes: env.MAX_ATTACHMENT_BYTES,
      maxImagePixels: env.MAX_IMAGE_PIXELS,
      urlTtlMs: env.ATTACHMENT_URL_TTL,
      unsentTtlMs: env.UNSENT_ATTACHMENT_TTL,
      sweepIntervalMs: env.ATTACHMENT_SWEEP_INTERVAL,
      /** Where uploads are staged while they stream in (then moved to the store). */
      tmpDir: env.UPLOAD_TMP_DIR ?? tmpdir(),
      /** S3-compatible object storage when a bucket is set; local disk under DATA_DIR otherwise. */
      s3: env.S3_BUCKET
        ? {
            url: env.S3_URL,
            publicUrl: env.S3_PUBLIC_URL,
            bucket: env.S3_BUCKET,
            region: env.S3_REGION,
            credentials:
              env.S3_ACCESS_KEY_ID && env.S3_SECRET_ACCESS_KEY
                ? { accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY }
                : undefined,
            forcePathStyle: env.S3_FORCE_PATH_STYLE ?? env.S3_URL !== undefined,
          }
        : null,
    },
    webhooks: {
      allowHttp: env.WEBHOOK_ALLOW_HTTP,
      allowPrivate: env.WEBHOOK_ALLOW_PRIVATE,
      timeoutMs: env.WEBHOOK_TIMEOUT,
      retryBaseMs: env.WEBHOOK_RETRY_BASE,
      retryWindowMs: env.WEBHOOK_RETRY_WINDOW,
      pollIntervalMs: env.WEBHOOK_POLL_INTERVAL,
      concurrency: env.WEBHOOK_CONCURRENCY,
      perRoom: env.WEBHOOKS_PER_ROOM,
    },
    push: {
      /** Both keys, or null: generated into DATA_DIR (integrations/push.ts). */
      vapid:
        env.VAPID_PUBLIC_KEY && env.VAPID_PRIVATE_KEY
          ? { publicKey: env.VAPID_PUBLIC_KEY, privateKey: env.VAPID_PRIVATE_KEY }
          : null,
      subject: env.VAPID_SUBJECT,
      /** Endpoints on private addresses (and http on loopback) are allowed: tests, private networks. */
      allowPrivate: env.PUSH_ALLOW_PRIVATE,
      timeoutMs: env.PUSH_TIMEOUT,
      retryBaseMs: env.PUSH_RETRY_BASE,
      maxAttempts: env.PUSH_MAX_ATTEMPTS,
      pollIntervalMs: env.PUSH_POLL_INTERVAL,
      concurrency: env.PUSH_CONCURRENCY,
    },
  };
}

export class ConfigError extends Error {}

/** Reads the settings from `env` (process.env by default). Throws ConfigError with one line. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty variable means "not set", as in most .env tooling.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(present);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    const got = present[name];
    const shown = got === undefined || /SECRET|PASSWORD|URL/.test(name) ? '' : ` (got ${JSON.stringify(got)})`;
    throw new ConfigError(`invalid setting ${name}: ${issue.message}${shown}`);
  }
  return toConfig(result.data);
}
