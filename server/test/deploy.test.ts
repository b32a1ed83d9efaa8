// Checks the deployment files (docker-compose.yml, deploy/nginx.conf, Dockerfile) without Docker:
// the compose file is parsed, nginx validates its config with `nginx -t`, the Dockerfile is read
// instruction by instruction. They are written for users, so a broken one is found here first.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, delimiter, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

// ---- docker-compose.yml ----------------------------------------------------------------------------

type Service = {
  build?: unknown;
  command?: string | string[];
  entrypoint?: string | string[];
  image?: string;
  environment?: Record<string, unknown> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[] };
  ports?: unknown[];
  volumes?: (string | { type?: string; source?: string; target?: string; read_only?: boolean })[];
};
type Compose = { services: Record<string, Service> };

const compose = parse(read('docker-compose.yml')) as Compose;
const services = compose.services;
const REPLICA = /^server\d+$/;
const replicas = Object.keys(services ?? {}).filter((name) => REPLICA.test(name));

/** Compose's `${VAR:-default}` / `${VAR-default}` / `${VAR}` with VAR unset, as on a fresh checkout. */
const interpolateUnset = (value: string) => value.replace(/\$\{\w+(?::?-([^}]*))?\}/g, (_, fallback = '') => fallback);

function environmentOf(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  const entries = Array.isArray(env)
    ? env.map((line): [string, string] => {
        const at = line.indexOf('=');
        return at < 0 ? [line, ''] : [line.slice(0, at), line.slice(at + 1)];
      })
    : Object.entries(env).map(([key, value]): [string, string] => [key, value == null ? '' : String(value)]);
  return Object.fromEntries(entries.map(([key, value]) => [key, interpolateUnset(value)]));
}

function dependenciesOf(service: Service): Record<string, string> {
  const deps = service.depends_on ?? [];
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((name) => [name, 'service_started']));
  return Object.fromEntries(Object.entries(deps).map(([name, dep]) => [name, dep?.condition ?? 'service_started']));
}

/** A TCP port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const healthcheckText = (service: Service) => [service.healthcheck?.test ?? []].flat().join(' ');

// ---- deploy/nginx.conf -----------------------------------------------------------------------------

const nginxConf = read('deploy/nginx.conf');
/** The config without comments ('#' to the end of the line; the file has no '#' inside strings). */
const nginxCode = nginxConf.replace(/#[^\n]*/g, '');
const upstreams = [...nginxCode.matchAll(/\bupstream\s+([\w.-]+)\s*\{([^}]*)\}/g)].map(([, name, body]) => ({
  name: name!,
  servers: [...body!.matchAll(/^\s*server\s+([\w.-]+):(\d+)/gm)].map(([, host, port]) => ({
    host: host!,
    port: port!,
  })),
}));

/** The compose files: one Redis, and a Redis Cluster; the same setup otherwise. */
const composeFiles = [
  { file: 'docker-compose.yml', cluster: false },
  { file: 'docker-compose.cluster.yml', cluster: true },
];

describe.each(composeFiles)('$file', ({ file, cluster }) => {
  const services = (parse(read(file)) as Compose).services;
  const replicas = Object.keys(services ?? {}).filter((name) => REPLICA.test(name));
  const redisNodes = Object.keys(services ?? {}).filter((name) => /^redis-\d+$/.test(name));

  const redisServices = cluster ? redisNodes : ['redis'];

  it('has postgres, redis, nginx and exactly three server replicas', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['postgres', ...redisServices, 'nginx']));
    expect(replicas).toEqual(['server1', 'server2', 'server3']);
    if (cluster) expect(redisNodes).toEqual(['redis-1', 'redis-2', 'redis-3']);
  });

  it('gives postgres and redis healthchecks, so replicas can wait for them to be healthy', () => {
    expect(services.postgres!.image).toMatch(/^postgres:/);
    expect(healthcheckText(services.postgres!)).toMatch(/pg_isready/);
    for (const name of redisServices) {
      expect(services[name]!.image).toMatch(/^redis:(7|8)/);
      expect(healthcheckText(services[name]!)).toMatch(/redis-cli.*ping/);
    }
  });

  // The cluster's own pieces (only that file has them).
  if (cluster)
    it('runs the Redis nodes in cluster mode, and makes them one cluster before any replica starts', () => {
      for (const name of redisNodes) {
        expect([services[name]!.command].flat().join(' ')).toMatch(/--cluster-enabled yes/);
      }
      const create = services['redis-cluster']!;
      const script = [create.entrypoint].flat().join(' ');
      expect(script).toMatch(/redis-cli --cluster create/);
      for (const name of redisNodes) expect(script).toContain(`getent hosts ${name} `);
      expect(dependenciesOf(create)).toEqual(Object.fromEntries(redisNodes.map((n) => [n, 'service_healthy'])));
    });

  it.each(replicas)('runs %s on PostgreSQL and Redis in production mode', (name) => {
    const service = services[name]!;
    expect(service.build, `${name} is built from this repository`).toBeDefined();
    const env = environmentOf(service);
    expect(env.NODE_ENV).toBe('production');

    const postgres = environmentOf(services.postgres!);
    const database = new URL(env.DATABASE_URL ?? '');
    expect(database.protocol).toMatch(/^postgres(ql)?:$/);
    expect(database.hostname).toBe('postgres');
    expect(database.port || '5432').toBe('5432');
    expect(decodeURIComponent(database.username)).toBe(postgres.POSTGRES_USER);
    expect(decodeURIComponent(database.password)).toBe(postgres.POSTGRES_PASSWORD);
    expect(database.pathname).toBe(`/${postgres.POSTGRES_DB}`);

    if (cluster) {
      // Both would stop the server (config.ts): one or the other.
      expect(env.REDIS_URL).toBeUndefined();
      expect(env.REDIS_CLUSTER_NODES!.split(',')).toEqual(redisNodes.map((node) => `${node}:6379`));
    } else {
      const redis = new URL(env.REDIS_URL ?? '');
      expect(redis.protocol).toBe('redis:');
      expect(redis.hostname).toBe('redis');
      expect(env.REDIS_CLUSTER_NODES).toBeUndefined();
    }

    // Production refuses to start without one of at least 32 characters (config.ts), even when
    // the user has not set JWT_SECRET and the compose file's default applies.
    expect(env.JWT_SECRET?.length ?? 0).toBeGreaterThanOrEqual(32);
    expect(env.TRUST_PROXY).toBe('true');

    expect(dependenciesOf(service)).toMatchObject(
      cluster
        ? { postgres: 'service_healthy', 'redis-cluster': 'service_completed_successfully' }
        : { postgres: 'service_healthy', redis: 'service_healthy' },
    );
    expect(healthcheckText(service)).toMatch(/\/readyz/);
  });

  it('keeps attachments in the S3-compatible service, whose bucket exists before any replica starts', () => {
    const minio = services.minio!;
    const root = environmentOf(minio);
    expect(minio.image).toMatch(/^minio\/minio:/);
    expect(healthcheckText(minio)).toMatch(/mc ready local/);
    const bucket = services['minio-bucket']!;
    expect(dependenciesOf(bucket)).toEqual({ minio: 'service_healthy' });
    expect(environmentOf(bucket)).toEqual(root);
    for (const name of replicas) {
      const env = environmentOf(services[name]!);
      // Local disk is per replica: scale-out keeps files where every replica reads them.
      expect(new URL(env.S3_URL ?? '').host).toBe('minio:9000');
      expect(env.S3_ACCESS_KEY_ID).toBe(root.MINIO_ROOT_USER);
      expect(env.S3_SECRET_ACCESS_KEY).toBe(root.MINIO_ROOT_PASSWORD);
      expect([bucket.entrypoint].flat().join(' ')).toContain(`mc mb --ignore-existing local/${env.S3_BUCKET}`);
      expect(dependenciesOf(services[name]!)).toMatchObject({ 'minio-bucket': 'service_completed_successfully' });
      // Browsers download from the published port the presigned URLs name.
      const published = new URL(env.S3_PUBLIC_URL ?? '');
      expect(minio.ports).toContain(`${published.port}:9000`);
    }
  });

  it('builds every replica the same way', () => {
    const [first, ...rest] = replicas.map((name) => services[name]!);
    for (const other of rest) expect(other).toEqual(first);
  });

  it('publishes nginx with deploy/nginx.conf in front of every replica', () => {
    const nginx = services.nginx!;
    expect(nginx.image).toMatch(/^nginx:/);
    expect(nginx.ports?.length ?? 0).toBeGreaterThan(0);
    const mounts = (nginx.volumes ?? []).map((volume) => {
      if (typeof volume !== 'string') return { source: volume.source ?? '', target: volume.target ?? '' };
      const [source = '', target = ''] = volume.split(':');
      return { source, target };
    });
    expect(mounts.map(({ source, target }) => ({ source: normalize(source), target }))).toContainEqual({
      source: normalize('deploy/nginx.conf'),
      target: '/etc/nginx/nginx.conf',
    });
    expect(Object.keys(dependenciesOf(nginx))).toEqual(expect.arrayContaining(replicas));
  });
});

describe('docker-compose.yml and docker-compose.cluster.yml', () => {
  it('run the same attachment store, with the same settings', () => {
    const cluster = (parse(read('docker-compose.cluster.yml')) as Compose).services;
    expect(cluster.minio).toEqual(services.minio);
    expect(cluster['minio-bucket']).toEqual(services['minio-bucket']);
    const s3Of = (service: Service) =>
      Object.fromEntries(Object.entries(environmentOf(service)).filter(([name]) => name.startsWith('S3_')));
    expect(s3Of(cluster.server1!)).toEqual(s3Of(services.server1!));
    expect(Object.keys(s3Of(services.server1!)).length).toBeGreaterThan(0);
  });
});

describe('deploy/nginx.conf', () => {
  it('lets the web app show upload previews and images from the attachment store', () => {
    const policy = /add_header\s+Content-Security-Policy\s+"([^"]*)"/.exec(nginxCode)?.[1] ?? '';
    const images = /img-src ([^;]*)/.exec(policy)?.[1]?.split(' ') ?? [];
    const publicUrl = environmentOf(services.server1!).S3_PUBLIC_URL!;
    expect(images).toEqual(expect.arrayContaining(["'self'", 'blob:', new URL(publicUrl).origin]));
  });

  it('balances over exactly the replicas of docker-compose.yml, on their port', () => {
    // Two groups of the same replicas: least busy first, and by event stream token (graphql-sse).
    expect(upstreams.map((u) => u.name).sort()).toEqual(['chat', 'chat_by_stream']);
    for (const upstream of upstreams) {
      expect(upstream.servers.map(({ host }) => host).sort()).toEqual([...replicas].sort());
      for (const { port } of upstream.servers) expect(port).toBe(environmentOf(services.server1!).PORT ?? '4000');
    }
    // Every proxied location goes to one of them: /graphql by the token's map, the rest to `chat`.
    const targets = [...nginxCode.matchAll(/\bproxy_pass\s+([^;]+);/g)].map(([, target]) => target!.trim());
    expect(targets.length).toBeGreaterThan(0);
    for (const target of targets) expect(['http://chat', 'http://$chat_upstream']).toContain(target);
    expect(nginxCode).toMatch(
      /map\s+"\$http_x_graphql_event_stream_token\$arg_token"\s+\$chat_upstream\s*\{\s*""\s+chat;\s*default\s+chat_by_stream;/,
    );
  });

  it('upgrades WebSockets on /graphql and keeps idle subscriptions open', () => {
    expect(nginxCode).toMatch(/\bmap\s+\$http_upgrade\s+\$connection_upgrade\s*\{/);
    expect(nginxCode).toMatch(/proxy_http_version\s+1\.1;/);
    expect(nginxCode).toMatch(/proxy_set_header\s+Upgrade\s+\$http_upgrade;/);
    expect(nginxCode).toMatch(/proxy_set_header\s+Connection\s+\$connection_upgrade;/);
    const graphql = /location\s+\/graphql\s*\{([^}]*)\}/.exec(nginxCode)?.[1] ?? '';
    expect(graphql).toMatch(/proxy_read_timeout\s+(3600s|60m|1h);/);
  });

  const CI = process.env.CI === 'true';
  const nginx = [process.env.NGINX_BIN ?? '']
    .concat(
      [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/local/nginx/sbin'].map(
        (dir) => (dir ? join(dir, 'nginx') : ''),
      ),
    )
    .find((path) => path !== '' && existsSync(path));

  it('is accepted by `nginx -t`', async (ctx) => {
    if (!nginx) {
      const help = 'install it with `apt-get install -y nginx` (Debian) or set NGINX_BIN';
      if (CI) throw new Error(`nginx is not installed, and CI must run this check: ${help}`);
      ctx.skip(`nginx is not installed, so deploy/nginx.conf was not checked; ${help}`);
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'chat-nginx-'));
    try {
      // The replicas' names only resolve inside Docker; nginx -t resolves upstream hosts, so they
      // become local addresses (nothing needs to listen there). nginx -t also binds its listening
      // sockets, so port 80 becomes a free local port. Logs, the pid file and the temp directories
      // move into `dir`, so the check writes nothing else and needs no privileges.
      const listen = await freePort();
      let port = 40_000;
      const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
        .filter((kind) => !new RegExp(`\\b${kind}_temp_path\\b`).test(nginxCode))
        .map((kind) => `${kind}_temp_path ${join(dir, kind)};`)
        .join(' ');
      const config = nginxConf
        .replace(/^(\s*upstream\s[^{]*\{[^}]*\})/gm, (block) =>
          block.replace(/^(\s*server\s+)[\w.-]+:\d+/gm, (_, prefix: string) => `${prefix}127.0.0.1:${++port}`),
        )
        .replace(/^(\s*listen\s+)(?:[^\s;]*:)?\d+/gm, (_, prefix: string) => `${prefix}127.0.0.1:${listen}`)
        .replace(/^(\s*)(pid|user)\s[^;]*;/gm, '$1# $2 (removed for the test)')
        .replace(
          /\b(access_log|error_log)(\s+)(\/[^\s;]+)/g,
          (_, directive: string, space: string, path: string) => `${directive}${space}${join(dir, basename(path))}`,
        )
        .replace(/^(\s*http\s*\{)/m, `$1 ${temps}`);
      const file = join(dir, 'nginx.conf');
      writeFileSync(file, config);
      const result = spawnSync(
        nginx,
        ['-t', '-c', file, '-p', `${dir}/`, '-e', join(dir, 'error.log'), '-g', `pid ${join(dir, 'nginx.pid')};`],
        { encoding: 'utf8', timeout: 30_000 },
      );
      const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}`;
      expect(result.status, `nginx -t failed:\n${output}\n--- tested config ---\n${config}`).toBe(0);
      expect(output).toMatch(/test is successful/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---- Dockerfile ------------------------------------------------------------------------------------

type Instruction = { keyword: string; args: string };

/** The Dockerfile's instructions, continuation lines joined, comments and parser directives dropped. */
function instructions(text: string): Instruction[] {
  const logical: string[] = [];
  let current = '';
  for (const line of text.split(/\r?\n/)) {
    if (/^\s*#/.test(line)) continue; // comments (also inside continued instructions)
    if (/\\\s*$/.test(line)) {
      current += line.replace(/\\\s*$/, ' ');
      continue;
    }
    current += line;
    if (current.trim()) logical.push(current.trim());
    current = '';
  }
  if (current.trim()) logical.push(current.trim());
  return logical.map((line) => {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    return { keyword: keyword.toUpperCase(), args: args.replace(/\s+/g, ' ').trim() };
  });
}

/** Exec form (JSON array) or shell form, as argv. */
const argvOf = (args: string): string[] => (args.startsWith('[') ? (JSON.parse(args) as string[]) : args.split(' '));

describe('Dockerfile', () => {
  const all = instructions(read('Dockerfile'));
  const lastFrom = all.map(({ keyword }) => keyword).lastIndexOf('FROM');
  const final = all.slice(lastFrom);
  const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };

  it('installs the locked dependencies with npm ci and generates the Prisma client', () => {
    const runs = all.filter(({ keyword }) => keyword === 'RUN').map(({ args }) => args);
    expect(runs.some((run) => /\bnpm ci\b/.test(run))).toBe(true);
    // The generated client is not in the build context (.dockerignore), so the image makes it:
    // through npm ci's postinstall, or explicitly when install scripts are off.
    const generate = all.findIndex(
      ({ keyword, args }) =>
        keyword === 'RUN' &&
        (/prisma-generate\.mjs|prisma:generate|prisma generate/.test(args) ||
          (/\bnpm ci\b/.test(args) && !/--ignore-scripts/.test(args))),
    );
    expect(generate).toBeGreaterThan(0);
    const stage = all.slice(all.map(({ keyword }) => keyword).lastIndexOf('FROM', generate), generate);
    const copied = stage.filter(({ keyword }) => keyword === 'COPY').flatMap(({ args }) => args.split(' '));
    expect(copied).toEqual(expect.arrayContaining(['prisma', 'scripts']));
    expect(read('.dockerignore')).toMatch(/node_modules/);
  });

  it('runs as a non-root user', () => {
    const user = final
      .filter(({ keyword }) => keyword === 'USER')
      .at(-1)
      ?.args.split(':')[0];
    expect(user, 'the final stage sets USER').toBeDefined();
    expect(['root', '0']).not.toContain(user);
  });

  it('starts the server the way `npm start` does, on port 4000, with a health check', () => {
    const command = final.filter(({ keyword }) => keyword === 'ENTRYPOINT' || keyword === 'CMD');
    expect(command.length).toBeGreaterThan(0);
    const argv = command.flatMap(({ args }) => argvOf(args));
    const entry = pkg.scripts.start!.split(/\s+/).find((word) => /\.(ts|js|mjs)$/.test(word))!;
    expect(entry, 'package.json start script names the entry file').toBeDefined();
    if (argv.join(' ') !== 'npm start' && argv.join(' ') !== 'npm run start') {
      expect(argv).toContain(entry);
      if (entry.endsWith('.ts')) expect(argv).toContain('tsx');
    }
    // The entry file is copied into the final stage: from the context, or from a stage that builds it
    // as `npm start` does (prestart).
    const copies = final.filter(({ keyword }) => keyword === 'COPY');
    expect(
      copies.some(({ args }) => {
        const target = argvOf(args)
          .at(-1)!
          .replace(/^\/app\//, '');
        return target === '.' || entry.startsWith(target.replace(/\/?$/, '/'));
      }),
    ).toBe(true);
    for (const script of pkg.scripts.prestart!.match(/scripts\/build-[\w-]+\.mjs/g) ?? []) {
      expect(all.some(({ keyword, args }) => keyword === 'RUN' && args.includes(script))).toBe(true);
    }
    expect(final.some(({ keyword, args }) => keyword === 'EXPOSE' && args.split(' ').includes('4000'))).toBe(true);
    expect(final.some(({ keyword, args }) => keyword === 'HEALTHCHECK' && args.includes('/healthz'))).toBe(true);
    expect(final.find(({ keyword }) => keyword === 'ENV')?.args).toMatch(/NODE_ENV=production/);
  });
});
