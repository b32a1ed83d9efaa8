// Helpers of the SDK's tests: real servers come from the server's own test support.
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import WebSocket from 'ws';
import { spawnServer, type ServerProcess } from '../../../server/test/support/server.js';
import { uniqueName } from '../../../server/test/support/users.js';
import { createChatClient, type ChatClient, type ChatClientOptions, type Message } from '../src/index.js';

export { uniqueName };
export const PASSWORD = 'correct horse battery';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves once `condition` holds (checked every 20 ms); rejects naming `what` after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A client for Node (the `ws` WebSocket), on `url` (a GraphQL endpoint or a list of them). */
export function nodeClient(url: ChatClientOptions['url'], options: Partial<ChatClientOptions> = {}): ChatClient {
  return createChatClient({ url, webSocketImpl: WebSocket, ...options });
}

/** A server process (as `npm start` runs it) on a fixed port, so it can be restarted at the same address. */
export interface Replica {
  port: number;
  graphqlUrl: string;
  process: ServerProcess;
  start(): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function replica(env: Record<string, string | undefined>): Promise<Replica> {
  const port = await freePort();
  const self: Replica = {
    port,
    graphqlUrl: `http://127.0.0.1:${port}/graphql`,
    process: undefined as unknown as ServerProcess,
    async start() {
      self.process = spawnServer({ ...env, PORT: String(port) });
      await self.process.ready;
    },
    async kill(signal = 'SIGKILL') {
      if (self.process.child.exitCode !== null || self.process.child.signalCode !== null) return;
      self.process.kill(signal);
      await self.process.exited;
    },
  };
  await self.start();
  return self;
}

/** True when the seqs go up by exactly one each time: no gap, no repeat, in order. */
export const contiguous = (seqs: number[]) => seqs.every((seq, i) => i === 0 || seq === seqs[i - 1]! + 1);

/** What a test checks of a stream's output: seqs in order, and no id twice. */
export function summary(messages: Message[]) {
  const seqs = messages.map((m) => m.seq);
  return { count: messages.length, seqs, distinctIds: new Set(messages.map((m) => m.id)).size };
}

/**
 * A TCP proxy on loopback in front of a server, to see what travels how: it counts the HTTP
 * requests (from the client's bytes) and reads what the server writes on WebSockets (frames from a
 * server are not masked), and can cut a WebSocket at the moment the server answers.
 */
export interface LoopbackProxy {
  /** The GraphQL endpoint through the proxy (its ws:// form reaches the server's WebSocket). */
  graphqlUrl: string;
  /** HTTP requests that named `operationName` (all HTTP requests without one). */
  posts(operationName?: string): number;
  /** WebSocket connections opened through the proxy. */
  sockets(): number;
  /** Everything servers wrote on the WebSockets. */
  socketText(): string;
  /**
   * The next time the server writes a WebSocket frame containing `text`, the frame is dropped and
   * that socket is cut at both ends (as when a network goes away); resolves then.
   */
  cutSocketOn(text: string): Promise<void>;
  close(): Promise<void>;
}

export async function loopbackProxy(targetPort: number): Promise<LoopbackProxy> {
  const http: string[] = [];
  let webSocketCount = 0;
  let fromServer = '';
  const cuts: { text: string; done: () => void }[] = [];
  const open = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    open.add(client).add(upstream);
    const index = http.length;
    http.push('');
    let upgraded: boolean | undefined;
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      if (upgraded === undefined) {
        upgraded = /^upgrade:\s*websocket/im.test(chunk.toString('latin1'));
        if (upgraded) webSocketCount++;
      }
      if (!upgraded) http[index] += chunk.toString('utf8');
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (upgraded) {
        const text = chunk.toString('utf8');
        fromServer += text;
        const found = cuts.findIndex((c) => text.includes(c.text));
        if (found >= 0) {
          cuts.splice(found, 1)[0]!.done();
          return cut();
        }
      }
      client.write(chunk);
    });
    for (const [socket, other] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      socket.on('error', () => other.destroy());
      socket.on('close', () => {
        open.delete(socket);
        other.end();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const count = (pattern: RegExp) => http.reduce((n, text) => n + (text.match(pattern)?.length ?? 0), 0);
  return {
    graphqlUrl: `http://127.0.0.1:${port}/graphql`,
    posts: (operationName) =>
      count(
        operationName === undefined
          ? /POST \/graphql HTTP\/1\.1\r\n/g
          : new RegExp(`"operationName":"${operationName}"`, 'g'),
      ),
    sockets: () => webSocketCount,
    socketText: () => fromServer,
    cutSocketOn: (text) => new Promise((resolve) => cuts.push({ text, done: resolve })),
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
