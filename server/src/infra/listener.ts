import pg from 'pg';
import type { Logger } from './logger.js';

/** Throws unless `channel` is a name LISTEN takes unquoted (the server's own constants are). */
export function checkChannel(channel: string): void {
  if (!/^[a-z_]+$/.test(channel)) throw new Error(`not a channel name: ${channel}`);
}
/** The first wait before connecting again after the connection was lost; it doubles up to the longest. */
const RETRY_FIRST_MS = 250;
const RETRY_LONGEST_MS = 10_000;
/** How the listening connection shows in pg_stat_activity. */
export const LISTENER_APPLICATION_NAME = 'chat-listener';

/**
 * LISTEN on PostgreSQL, on one connection of its own (the pool's connections come and go, and a
 * pooled connection's LISTEN would hear nothing once released). The connection is made again
 * whenever it is lost, with a doubling wait. After each (re)connection every callback is called
 * once, as if notified: what was notified while no connection listened is then looked for.
 */
export class PostgresListener {
  private readonly callbacks = new Map<string, Set<() => void>>();
  private client: pg.Client | undefined;
  private retryMs = RETRY_FIRST_MS;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;
  private connecting = false;

  constructor(
    private readonly url: string,
    private readonly log?: Logger,
  ) {}

  /** Calls `onNotify` on each notification of `channel`, and after each (re)connection; returns the way to stop. */
  listen(channel: string, onNotify: () => void): () => void {
    checkChannel(channel);
    let set = this.callbacks.get(channel);
    if (!set) {
      set = new Set();
      this.callbacks.set(channel, set);
      // A new channel on a connection already listening: LISTEN on it too, then catch up.
      const client = this.client;
      if (client) {
        client.query(`LISTEN ${channel}`).then(
          () => this.callbacks.get(channel)?.forEach((callback) => callback()),
          () => client.end().catch(() => undefined),
        );
      }
    }
    set.add(onNotify);
    this.connect();
    return () => {
      set.delete(onNotify);
      if (set.size === 0) this.callbacks.delete(channel);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    await this.client?.end().catch(() => undefined);
  }

  private connect(): void {
    if (this.closed || this.client || this.connecting || this.retry) return;
    this.connecting = true;
    const client = new pg.Client({
      connectionString: this.url,
      application_name: LISTENER_APPLICATION_NAME,
      connectionTimeoutMillis: 5_000,
      keepAlive: true,
    });
    client.on('notification', ({ channel }) => this.callbacks.get(channel)?.forEach((callback) => callback()));
    client.on('error', (error) => this.log?.warn({ err: error.message }, 'database listener connection lost'));
    client.on('end', () => {
      if (this.client !== client) return;
      this.client = undefined;
      this.again();
    });
    void (async () => {
      try {
        await client.connect();
        for (const channel of this.callbacks.keys()) await client.query(`LISTEN ${channel}`);
      } catch (error) {
        this.log?.warn({ err: (error as Error).message }, 'database listener could not connect');
        this.connecting = false;
        await client.end().catch(() => undefined);
        this.again();
        return;
      }
      this.connecting = false;
      if (this.closed) {
        await client.end().catch(() => undefined);
        return;
      }
      this.client = client;
      this.retryMs = RETRY_FIRST_MS;
      for (const set of this.callbacks.values()) for (const callback of set) callback();
    })();
  }

  private again(): void {
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.connect();
    }, this.retryMs);
    this.retry.unref();
    this.retryMs = Math.min(this.retryMs * 2, RETRY_LONGEST_MS);
  }
}
