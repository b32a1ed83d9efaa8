// The deployment for real, on loopback: Debian's nginx with deploy/nginx.conf (only its addresses,
// ports and file paths adapted) in front of two server processes on PostgreSQL and Redis. Clients talk
// to nginx only. Each replica's /metrics is read directly, and only to see where nginx put each socket:
// least_conn, no sticky sessions, so where a socket lands is looked up rather than assumed.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { chatClient } from './support/chat.js';
import { freshDatabaseEnv } from './support/databases.js';
import { ci, hasPostgres, hasRedis, redisUrl } from './support/env.js';
import { connect, connectSse, eventually, subscribe, type Socket } from './support/live.js';
import { repoRoot, spawnServer, type ServerProcess } from './support/server.js';
import { registerUser, type Session } from './support/users.js';

const nginxBin = [process.env.NGINX_BIN ?? '']
  .concat(
    [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/local/nginx/sbin'].map(
      (dir) => (dir ? join(dir, 'nginx') : ''),
    ),
  )
  .find((path) => path !== '' && existsSync(path));
const NO_NGINX = 'nginx is not installed: install it with `apt-get install -y nginx` (Debian) or set NGINX_BIN';

/** Close code of a replica that shuts down (transport/ws.ts CLOSE_SERVICE_RESTART). */
const SERVICE_RESTART = 1012;
const MESSAGE_ADDED = 'subscription ($roomId: ID!) { messageAdded(roomId: $roomId) { id seq body } }';

type Message = { id: string; seq: number; body: string };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `promise`, or a rejection naming `what` after `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A TCP port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** True when the seqs go up by exactly one each time: no gap, no repeat, in order. */
const contiguous = (seqs: number[]) => seqs.every((seq, i) => i === 0 || seq === seqs[i - 1]! + 1);

// ---- nginx -----------------------------------------------------------------------------------------

/**
 * deploy/nginx.conf as it would run here: the upstream's `server` lines become `upstreams` (their
 * parameters kept; lines beyond them dropped), `listen` a loopback port, and the pid file, logs and
 * temp directories move into `dir`. Everything else is the file as shipped. Throws when the file no
 * longer has what is replaced, rather than testing something else.
 */
function renderNginxConf(template: string, dir: string, listenPort: number, upstreams: string[]): string {
  const code = template.replace(/#[^\n]*/g, '');
  const replaced = { upstream: 0, server: 0, listen: 0 };
  const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .filter((kind) => !new RegExp(`\\b${kind}_temp_path\\b`).test(code))
    .map((kind) => `${kind}_temp_path ${join(dir, kind)};`)
    .join(' ');
  const config = template
    .replace(/^(\s*upstream\s[^{]*\{)([^}]*)\}/gm, (_, open: string, body: string) => {
      replaced.upstream++;
      let next = 0;
      const servers = body.replace(
        /^([ \t]*server[ \t]+)[\w.-]+:\d+([^;\n]*;)[ \t]*\n/gm,
        (__, prefix: string, parameters: string) => {
          const address = upstreams[next++];
          return address ? `${prefix}${address}${parameters}\n` : '';
        },
      );
      replaced.server += Math.min(next, upstreams.length);
      return `${open}${servers}}`;
    })
    .replace(/^(\s*listen\s+)(?:[^\s;]*:)?\d+/gm, (_, prefix: string) => {
      replaced.listen++;
      return `${prefix}127.0.0.1:${listenPort}`;
    })
    .replace(/^(\s*)(pid|user|daemon)\s[^;]*;/gm, '$1# $2 (removed for the test)')
    .replace(
      /\b(access_log|error_log)(\s+)(\/[^\s;]+)/g,
      (_, directive: string, space: string, path: string) => `${directive}${space}${join(dir, basename(path))}`,
    )
    .replace(/^(\s*http\s*\{)/m, `$1 ${temps}`);
  if (replaced.upstream < 1 || replaced.server !== upstreams.length * replaced.upstream || replaced.listen !== 1) {
    throw new Error(
      `deploy/nginx.conf no longer has upstreams with at least ${upstreams.length} servers each and one listen: ${JSON.stringify(replaced)}`,
    );
  }
  return config;
}

interface Nginx {
  url: string;
  wsUrl: string;
  output(): string;
  /** The access log's JSON lines so far (deploy/nginx.conf's chat_json format). */
  accessLog(): Record<string, unknown>[];
  stop(): Promise<void>;
}

async function startNginx(bin: string, upstreams: string[]): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'chat-nginx-'));
  // As root, nginx's workers run as nobody: they must reach the temp directories inside `dir`.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const file = join(dir, 'nginx.conf');
  writeFileSync(file, renderNginxConf(readFileSync(join(repoRoot, 'deploy/nginx.conf'), 'utf8'), dir, port, upstreams));
  const child = spawn(
    bin,
    ['-c', file, '-p', `${dir}/`, '-e', join(dir, 'error.log'), '-g', `daemon off; pid ${join(dir, 'nginx.pid')};`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let running = true;
  void exited.then(() => (running = false));
  const nginx: Nginx = {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    output: () => out,
    accessLog() {
      const path = join(dir, 'stdout');
      if (!existsSync(path)) return [];
      return readFileSync(path, 'utf8')
        .split('\n')
        .filter((line) => line.trim())
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    async stop() {
      // Fast shutdown: a graceful one (SIGQUIT) would wait for the open WebSockets.
      try {
        if (running) child.kill('SIGTERM');
        await within(exited, 10_000, 'nginx to exit').catch(async () => {
          child.kill('SIGKILL');
          await within(exited, 5_000, 'nginx to be killed');
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  try {
    await eventually(
      async () => {
        if (!running) throw new Error(`nginx exited:\n${out}`);
        const response = await fetch(`${nginx.url}/readyz`, { signal: AbortSignal.timeout(2_000) }).catch(
          () => undefined,
        );
        return response?.status === 200;
      },
      20_000,
      'GET /readyz through nginx to answer 200',
    );
  } catch (error) {
    await nginx.stop();
    throw new Error(`${(error as Error).message}\n--- nginx output ---\n${out}`);
  }
  return nginx;
}

// ---- replicas ------------------------------------------------------------------------------------

interface Replica {
  url: string;
  address: string;
  process: ServerProcess;
}

/** What a replica's own /metrics says: its open sockets and messageAdded subscriptions. */
async function countsOf(replica: Replica): Promise<{ sockets: number; subscriptions: number }> {
  const response = await fetch(`${replica.url}/metrics`, { signal: AbortSignal.timeout(5_000) });
  const text = await response.text();
  const sockets = /^chat_ws_connections (\S+)$/m.exec(text);
  if (!sockets) throw new Error(`no chat_ws_connections in ${replica.url}/metrics`);
  const subscriptions = /^chat_subscriptions_active\{field="messageAdded",transport="ws"\} (\S+)$/m.exec(text);
  return { sockets: Number(sockets[1]), subscriptions: Number(subscriptions?.[1] ?? 0) };
}

// ---- clients ---------------------------------------------------------------------------------------

/**
 * A reader of one room, as a client SDK reads one: messageAdded over a WebSocket to nginx; on a close, a new
 * socket (to nginx again) and subscription; every gap, and the time the socket was away, filled from
 * messagesSince over HTTP; messages kept once each by id.
 */
class Follower {
  socket!: Socket;
  readonly closeCodes: number[] = [];
  /** Every message delivered by a subscription, as delivered (repeats included), per socket. */
  readonly live: Message[][] = [];
  /** Every message known, once each. */
  readonly known = new Map<string, Message>();
  private readonly bySeq = new Map<number, Message>();
  /** Every seq up to here is known. */
  upTo: number;
  private catching: Promise<void> | undefined;
  private again = false;
  private disposed = false;
  readonly problems: string[] = [];
  /** Catch-up reads that failed and were retried. */
  readonly failedReads: string[] = [];

  constructor(
    private readonly nginx: Nginx,
    private readonly session: Session,
    private readonly roomId: string,
    from: number,
  ) {
    this.upTo = from;
  }

  /** Opens the socket and subscribes. */
  start(): Socket {
    const socket = connect(this.nginx.wsUrl, this.session.accessToken);
    this.socket = socket;
    const delivered: Message[] = [];
    this.live.push(delivered);
    socket.client.subscribe<{ messageAdded: Message }>(
      { query: MESSAGE_ADDED, variables: { roomId: this.roomId } },
      {
        next: (result) => {
          const message = result.data?.messageAdded;
          if (!message) return void this.problems.push(`subscription result without data: ${JSON.stringify(result)}`);
          delivered.push(message);
          this.keep([message]);
          if (message.seq > this.upTo + 1) this.catchUp();
        },
        // The socket's close reaches here too; it is handled below.
        error: () => undefined,
        complete: () => undefined,
      },
    );
    void socket.closed.then((code) => {
      if (this.disposed || socket !== this.socket) return;
      this.closeCodes.push(code);
      if (this.closeCodes.length > 10) return void this.problems.push(`gave up after closes ${this.closeCodes}`);
      // Reconnect through nginx (at once after a service restart), then fill what
      // was sent while away.
      setTimeout(
        () => {
          if (this.disposed) return;
          this.start();
          this.catchUp();
        },
        code === SERVICE_RESTART ? 0 : 250,
      );
    });
    return socket;
  }

  /** The known messages in seq order. */
  messages(): Message[] {
    return [...this.known.values()].sort((a, b) => a.seq - b.seq);
  }

  private keep(messages: Message[]) {
    for (const message of messages) {
      const same = this.bySeq.get(message.seq);
      if (same && same.id !== message.id) this.problems.push(`seq ${message.seq} is both ${same.id} and ${message.id}`);
      this.known.set(message.id, message);
      this.bySeq.set(message.seq, message);
    }
    while (this.bySeq.has(this.upTo + 1)) this.upTo++;
  }

  /**
   * messagesSince(upTo) through nginx, page after page; one at a time, rerun when asked meanwhile. A
   * failed read is retried, as reads may be (a POST that met a replica closing its connection is one
   * nginx does not replay).
   */
  catchUp(): void {
    if (this.catching) {
      this.again = true;
      return;
    }
    this.catching = (async () => {
      const client = chatClient(this.nginx.url, this.session.accessToken);
      const since = async (afterSeq: number): Promise<Message[] | undefined> => {
        for (let attempt = 1; attempt <= 5; attempt++) {
          const result = await client.since(this.roomId, afterSeq, 100).catch((error: Error) => ({
            data: undefined,
            errors: [{ message: error.message }],
          }));
          if (result.data?.messagesSince) return result.data.messagesSince as Message[];
          this.failedReads.push(JSON.stringify(result.errors));
          await sleep(100 * attempt);
        }
        this.problems.push(`messagesSince failed 5 times: ${this.failedReads.slice(-5).join(' ')}`);
        return undefined;
      };
      do {
        this.again = false;
        for (let page = 0; page < 100; page++) {
          const found = await since(this.upTo);
          if (!found) break;
          this.keep(found);
          if (found.length < 100) break;
        }
      } while (this.again && !this.disposed);
    })().finally(() => (this.catching = undefined));
  }

  async dispose() {
    this.disposed = true;
    await this.socket?.dispose();
    await this.catching;
  }
}

/** Sends through nginx as a client SDK does: with a clientMessageId, retried on a failed exchange or a 5xx. */
class Sender {
  readonly sent: Message[] = [];
  /** Attempts that failed (network error or 5xx), by when they were made. */
  readonly failures: { at: number; status: number | string }[] = [];
  private count = 0;

  constructor(
    private readonly nginx: Nginx,
    private readonly session: Session,
    private readonly roomId: string,
  ) {}

  async send(body: string): Promise<Message> {
    const clientMessageId = `${this.session.user.username}-${++this.count}`;
    for (let attempt = 1; ; attempt++) {
      const at = Date.now();
      let status: number | string;
      try {
        const response = await fetch(`${this.nginx.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${this.session.accessToken}` },
          body: JSON.stringify({
            query: 'mutation ($i: SendMessageInput!) { sendMessage(input: $i) { id seq body } }',
            variables: { i: { roomId: this.roomId, body, clientMessageId } },
          }),
          signal: AbortSignal.timeout(10_000),
        });
        status = response.status;
        if (status < 500) {
          const result = (await response.json()) as { data?: { sendMessage?: Message }; errors?: unknown };
          if (!result.data?.sendMessage) throw new Error(`sendMessage failed (${status}): ${JSON.stringify(result)}`);
          this.sent.push(result.data.sendMessage);
          return result.data.sendMessage;
        }
      } catch (error) {
        if ((error as Error).message.startsWith('sendMessage failed')) throw error;
        status = (error as Error).message;
      }
      this.failures.push({ at, status });
      if (attempt >= 5) throw new Error(`sendMessage failed ${attempt} times: ${JSON.stringify(this.failures)}`);
      await sleep(100 * attempt);
    }
  }

  get last(): number {
    return this.sent.at(-1)?.seq ?? 0;
  }
}

/** Reads the room through nginx in a loop, as polling clients do: GET /graphql, which nginx may replay. */
class Reader {
  readonly failures: { at: number; status: number | string }[] = [];
  reads = 0;
  private stopped = false;
  readonly done: Promise<void>;

  constructor(nginx: Nginx, session: Session, roomId: string) {
    const url = new URL(`${nginx.url}/graphql`);
    url.searchParams.set('query', 'query ($r: ID!) { room(id: $r) { lastSeq } }');
    url.searchParams.set('variables', JSON.stringify({ r: roomId }));
    this.done = (async () => {
      while (!this.stopped) {
        const at = Date.now();
        try {
          const response = await fetch(url, {
            headers: { authorization: `Bearer ${session.accessToken}` },
            signal: AbortSignal.timeout(10_000),
          });
          const result = (await response.json()) as { data?: { room?: { lastSeq: number } } };
          if (response.status !== 200 || !result.data?.room) this.failures.push({ at, status: response.status });
        } catch (error) {
          this.failures.push({ at, status: (error as Error).message });
        }
        this.reads++;
      }
    })();
  }

  async stop() {
    this.stopped = true;
    await within(this.done, 15_000, 'the readers to stop');
  }
}

// ---- the test ------------------------------------------------------------------------------------

/** The server's drain gives in-flight requests SHUTDOWN_TIMEOUT / 2, then cuts their connections. */
const SHUTDOWN_TIMEOUT_MS = 8_000;

describe.runIf(hasPostgres && hasRedis)('nginx (deploy/nginx.conf) in front of two replicas', () => {
  const cleanups: (() => Promise<void>)[] = [];
  let nginx: Nginx;
  let replicas: Replica[];
  let owner: Session;
  let member: Session;
  let roomId: string;
  let sender: Sender;
  const followers: Follower[] = [];
  /** The replica each follower's first socket landed on. */
  const landedOn = new Map<Follower, number>();

  const needNginx = (ctx: TestContext) => {
    if (!nginxBin) ctx.skip(`${NO_NGINX}; the nginx test did not run`);
  };

  beforeAll(async () => {
    if (!nginxBin) {
      if (ci) throw new Error(`${NO_NGINX}, and CI must run this test`);
      console.warn(`[tests] ${NO_NGINX}: skipping the nginx test`);
      return;
    }
    const env = {
      ...(await freshDatabaseEnv(cleanups, 'postgres')),
      REDIS_URL: redisUrl,
      TRUST_PROXY: 'true',
      SHUTDOWN_TIMEOUT: `${SHUTDOWN_TIMEOUT_MS}ms`,
    };
    const processes = [spawnServer(env), spawnServer(env)];
    cleanups.push(async () => {
      for (const p of processes) p.kill();
      await within(Promise.all(processes.map((p) => p.exited)), 15_000, 'the replicas to exit');
    });
    const urls = await within(Promise.all(processes.map((p) => p.ready)), 60_000, 'the replicas to listen');
    replicas = urls.map((url, i) => ({ url, address: new URL(url).host, process: processes[i]! }));
    nginx = await startNginx(
      nginxBin,
      replicas.map((r) => r.address),
    );
    cleanups.push(() => nginx.stop());

    // Everything from here on goes through nginx.
    [owner, member] = await Promise.all([registerUser(nginx.url), registerUser(nginx.url)]);
    const room = await chatClient(nginx.url, owner.accessToken).createRoom(`nginx-${owner.user.username}`);
    roomId = room.data!.createRoom.id;
    const joined = await chatClient(nginx.url, member.accessToken).joinRoom({ roomId });
    expect(joined.data?.joinRoom.viewerIsMember).toBe(true);
    sender = new Sender(nginx, owner, roomId);
    cleanups.push(async () => {
      await within(Promise.all(followers.map((f) => f.dispose())), 10_000, 'the clients to close');
    });
  }, 120_000);

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }, 60_000);

  it('spreads sockets over both replicas, and messages reach sockets on either, once each, in seq order', async (ctx) => {
    needNginx(ctx);
    // Open sockets one at a time; the replica whose own socket count went up is where nginx put it.
    const PER_REPLICA = 2;
    const perReplica = () => replicas.map((_, i) => followers.filter((f) => landedOn.get(f) === i).length);
    for (let opened = 0; opened < 12 && perReplica().some((n) => n < PER_REPLICA); opened++) {
      const before = await Promise.all(replicas.map(countsOf));
      const follower = new Follower(nginx, member, roomId, sender.last);
      followers.push(follower);
      follower.start();
      let landed = -1;
      await eventually(
        async () => {
          const grown = (await Promise.all(replicas.map(countsOf))).map((c, i) => c.sockets - before[i]!.sockets);
          if (grown.some((n) => n < 0) || grown.reduce((a, b) => a + b) > 1) {
            throw new Error(`socket counts moved unexpectedly: ${JSON.stringify(grown)}`);
          }
          landed = grown.indexOf(1);
          return landed >= 0;
        },
        10_000,
        'the socket to reach a replica',
      );
      landedOn.set(follower, landed);
    }
    for (const n of perReplica()) expect(n, `sockets per replica: ${perReplica()}`).toBeGreaterThanOrEqual(PER_REPLICA);
    // Each replica holds its sockets' subscriptions.
    await eventually(
      async () => {
        const counts = await Promise.all(replicas.map(countsOf));
        return counts.every((c, i) => c.sockets === perReplica()[i] && c.subscriptions === perReplica()[i]);
      },
      10_000,
      'every subscription to start',
    );

    // Subscriptions go live asynchronously: send until every socket hears one, then for real.
    await eventually(
      async () => {
        await sender.send('anyone there?');
        await sleep(50);
        return followers.every((f) => f.live[0]!.length > 0);
      },
      15_000,
      'every socket to hear a message',
    );
    const start = sender.last;
    for (let i = 1; i <= 10; i++) await sender.send(`hello ${i}`);
    const final = sender.last;
    expect(final).toBe(start + 10);
    await eventually(
      () => followers.every((f) => f.live[0]!.at(-1)?.seq === final),
      10_000,
      'every socket to hear the last message',
    );
    for (const follower of followers) {
      const live = follower.live[0]!;
      const where = `socket on replica ${landedOn.get(follower)}: ${live.map((m) => m.seq).join(',')}`;
      expect(contiguous(live.map((m) => m.seq)), where).toBe(true);
      expect(new Set(live.map((m) => m.id)).size, where).toBe(live.length);
      expect(live.filter((m) => m.seq > start).map((m) => m.body)).toEqual(
        Array.from({ length: 10 }, (_, i) => `hello ${i + 1}`),
      );
      expect(follower.closeCodes).toEqual([]);
      expect(follower.problems).toEqual([]);
    }
    expect(sender.failures).toEqual([]);
  }, 60_000);

  it('routes each graphql-sse single-connection stream to one replica: its operations reach it, and it delivers', async (ctx) => {
    needNginx(ctx);
    const streams = Array.from({ length: 8 }, () =>
      connectSse(`${nginx.url}/graphql`, member.accessToken, { singleConnection: true }),
    );
    cleanups.push(async () => void (await Promise.all(streams.map((s) => s.dispose()))));
    const subs = streams.map((s) =>
      subscribe(s, 'subscription ($r: ID!) { messageAdded(roomId: $r) { seq body } }', { r: roomId }),
    );
    await eventually(
      async () => {
        await sender.send('over event streams?');
        await sleep(50);
        return subs.every((sub) => sub.events().length > 0);
      },
      15_000,
      'every stream to hear a message',
    );
    const last = (await sender.send('through nginx')).seq;
    await eventually(() => subs.every((sub) => sub.events().some((e) => e.messageAdded.seq === last)));
    for (const sub of subs) expect(sub.results.filter((r) => r.errors)).toEqual([]);
    const perReplica = await Promise.all(
      replicas.map(async (r) => {
        const text = await (await fetch(`${r.url}/metrics`)).text();
        return Number(/^chat_connections\{transport="sse"\} (\d+)/m.exec(text)?.[1] ?? 0);
      }),
    );
    expect(perReplica.reduce((a, b) => a + b)).toBe(streams.length);
    for (const sub of subs) sub.stop();
  }, 60_000);

  it('when a replica stops, its sockets get 1012, reconnect through nginx to the other, and miss nothing', async (ctx) => {
    needNginx(ctx);
    expect(followers.length, 'the first test opened the sockets').toBeGreaterThan(0);
    const [survivor, victim] = [0, 1];
    const moved = followers.filter((f) => landedOn.get(f) === victim);
    const stayed = followers.filter((f) => landedOn.get(f) === survivor);
    expect(moved.length).toBeGreaterThan(0);
    expect(stayed.length).toBeGreaterThan(0);
    const from = sender.last;
    const failuresBefore = sender.failures.length;

    // Traffic through nginx all along: one client sending (in order, so delivery order is defined),
    // two polling; the stop lands while nginx has requests in flight to the stopping replica.
    let gone = false;
    let signalled = 0;
    let exitedAt = 0;
    const readers = [new Reader(nginx, member, roomId), new Reader(nginx, owner, roomId)];
    const during = (async () => {
      while (!gone) await sender.send(`during ${sender.sent.length}`);
    })();
    await eventually(
      () => sender.last >= from + 3 && readers.every((r) => r.reads >= 3),
      10_000,
      'traffic before the stop',
    );
    // Sign-ups (slow: password hashing) in flight on both replicas when the stop comes: the stopping
    // one must finish its own, and nginx, which never replays a POST, must not fail any.
    const signUps = Array.from({ length: 6 }, () => registerUser(nginx.url));
    await sleep(100);
    signalled = Date.now();
    replicas[victim]!.process.kill('SIGTERM');
    const exitCode = await within(
      replicas[victim]!.process.exited,
      SHUTDOWN_TIMEOUT_MS + 5_000,
      'the stopped replica to exit',
    ).finally(() => {
      exitedAt = Date.now();
      gone = true;
    });
    await within(during, 15_000, 'the messages sent during the stop');
    await Promise.all(readers.map((r) => r.stop()));
    const signedUp = await within(Promise.allSettled(signUps), 15_000, 'the sign-ups');
    const sentDuringStop = sender.sent.filter((m) => m.seq > from).length;

    /** What went on, for the failure messages: the stopped replica's complaints, nginx's notable lines. */
    const report = () => {
      const afterSignal = replicas[victim]!.process.output()
        .split('\n')
        .filter((line) => Number(/"time":(\d+)/.exec(line)?.[1] ?? 0) >= signalled)
        .slice(0, 40);
      const notable = nginx
        .accessLog()
        .filter((line) => line.upgrade || line.status !== 200 || String(line.upstream).includes(','))
        .map((line) =>
          [line.time, line.method, line.status, `${line.request_time}s`, line.upstream, line.upstream_status].join(' '),
        );
      return [
        `replicas: survivor ${replicas[survivor]!.address}, stopped ${replicas[victim]!.address}; SIGTERM at ${new Date(signalled).toISOString()}, exit ${exitCode} after ${exitedAt - signalled} ms`,
        `sockets (first replica: close codes): ${followers.map((f) => `${landedOn.get(f)}: [${f.closeCodes}]`).join('; ')}`,
        `failed sends: ${JSON.stringify(sender.failures.slice(failuresBefore))}`,
        `failed reads: ${JSON.stringify(readers.flatMap((r) => r.failures))}`,
        `failed catch-up reads (retried): ${JSON.stringify(followers.flatMap((f) => f.failedReads))}`,
        `failed sign-ups: ${JSON.stringify(signedUp.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : [])))}`,
        '--- the stopped replica’s log from SIGTERM on ---',
        ...afterSignal,
        '--- nginx: upgrades, errors, requests passed to the next replica ---',
        ...notable,
        ...nginx
          .output()
          .split('\n')
          .filter((line) => /\[(warn|error|crit|alert|emerg)\]/.test(line))
          .slice(-20),
      ].join('\n');
    };

    // The stopped replica drained: it finished what it had and exited cleanly, well before the drain
    // deadline (at SHUTDOWN_TIMEOUT / 2 the server cuts the connections still open).
    expect(exitCode, report()).toBe(0);
    expect(exitedAt - signalled, report()).toBeLessThan(SHUTDOWN_TIMEOUT_MS / 2);

    // Every socket of the stopped replica was told "service restart" and came back through nginx, to
    // the survivor (the only replica left); the survivor's own sockets never noticed.
    await eventually(
      () => moved.every((f) => f.closeCodes.length > 0),
      10_000,
      'the stopped replica’s sockets to close',
    );
    for (const follower of moved) expect(follower.closeCodes, report()).toEqual([SERVICE_RESTART]);
    for (const follower of stayed) expect(follower.closeCodes, report()).toEqual([]);
    await eventually(
      async () => {
        const counts = await countsOf(replicas[survivor]!);
        return counts.sockets === followers.length && counts.subscriptions === followers.length;
      },
      10_000,
      'every socket and subscription to be on the surviving replica',
    );
    // Every sign-up in flight at the stop succeeded.
    expect(
      signedUp.filter((r) => r.status === 'rejected'),
      report(),
    ).toEqual([]);
    // Polling reads are idempotent: nginx passes a failed one to the other replica; none failed.
    expect(
      readers.flatMap((r) => r.failures),
      report(),
    ).toEqual([]);

    // After the stop: nginx routes around the dead replica, so no send fails, not even the first.
    const failuresAfterStop = sender.failures.length;
    const afterFrom = sender.last;
    await eventually(
      async () => {
        await sender.send('still there?');
        await sleep(50);
        return moved.every((f) => f.live.at(-1)!.length > 0);
      },
      10_000,
      'every reconnected socket to hear a message',
    );
    for (let i = 1; i <= 10; i++) await sender.send(`after ${i}`);
    const final = sender.last;
    expect(sender.failures.slice(failuresAfterStop), 'sends after the replica was gone').toEqual([]);

    await eventually(() => followers.every((f) => f.upTo === final), 15_000, 'every client to have every message');
    // What the database holds since `from`, read through nginx: each message sent, once.
    const stored = (await chatClient(nginx.url, member.accessToken).since(roomId, from, 1000)).data!
      .messagesSince as Message[];
    expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: final - from }, (_, i) => from + i + 1));
    expect(stored.map((m) => m.id)).toEqual(sender.sent.filter((m) => m.seq > from).map((m) => m.id));
    expect(new Set(stored.map((m) => m.body)).size).toBe(stored.length);

    for (const follower of followers) {
      const where = `socket first on replica ${landedOn.get(follower)}, closed with [${follower.closeCodes}]`;
      expect(follower.problems, where).toEqual([]);
      // With what the subscriptions delivered and messagesSince filled in: every message, once, in order.
      expect(
        follower.messages().filter((m) => m.seq > from),
        where,
      ).toEqual(stored);
      // Each subscription delivered in seq order, each message once, and skipped none.
      for (const live of follower.live) {
        expect(contiguous(live.map((m) => m.seq)), `${where}: ${live.map((m) => m.seq)}\n${report()}`).toBe(true);
      }
    }
    // The survivor's sockets needed no recovery: their one subscription delivered everything.
    for (const follower of stayed) {
      expect(follower.live).toHaveLength(1);
      expect(follower.live[0]!.filter((m) => m.seq > from)).toEqual(stored);
    }
    for (const follower of moved) expect(follower.live).toHaveLength(2);

    // nginx's own record: the last requests, the ones after the stop, were answered by the survivor
    // (nginx writes a line as a request ends, so the newest may still be on its way).
    const posts = () => nginx.accessLog().filter((line) => line.method === 'POST' && line.path === '/graphql');
    await eventually(
      () =>
        posts()
          .slice(-10)
          .every((line) => String(line.upstream).split(', ').at(-1) === replicas[survivor]!.address),
      5_000,
      `nginx's log to show the survivor answering the last requests:\n${report()}`,
    );

    console.info(
      `[nginx test] stop: replica exited ${exitedAt - signalled} ms after SIGTERM; ${sentDuringStop} messages sent ` +
        `until then, ${sender.failures.length - failuresBefore} failed attempts (retried with the same clientMessageId), ` +
        `${readers.reduce((n, r) => n + r.reads, 0)} reads, ${followers.flatMap((f) => f.failedReads).length} failed ` +
        `catch-up reads (retried); ${nginx.accessLog().filter((l) => String(l.upstream).includes(',')).length} ` +
        `requests passed on by nginx; ${final - afterFrom} sent after the stop`,
    );
  }, 90_000);
});
