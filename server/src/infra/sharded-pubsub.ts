import { PubSubEngine } from 'graphql-subscriptions';
import type { Cluster } from 'ioredis';

type Listener = (message: unknown) => unknown;

/**
 * A PubSubEngine on a Redis Cluster's sharded pub/sub (Redis 7): SPUBLISH sends an event to the
 * shard that owns its channel's slot only, and this replica SSUBSCRIBEs (through ioredis's one
 * subscriber connection per master, `shardedSubscribers`) to the channels its own subscribers
 * listen on, once each however many listen. graphql-redis-subscriptions speaks classic pub/sub
 * only, which a cluster copies to every node.
 *
 * A channel's SSUBSCRIBE and SUNSUBSCRIBE go out in the order they were asked for, so a channel
 * dropped and listened to again at once ends subscribed. ioredis subscribes again by itself when a
 * shard's connection comes back or the slots move.
 */
export class ShardedPubSub extends PubSubEngine {
  private nextId = 0;
  private readonly listeners = new Map<number, { channel: string; listener: Listener }>();
  /** Channels listened on: the ids of their listeners and the SSUBSCRIBE that started them. */
  private readonly channels = new Map<string, { ids: Set<number>; subscribed: Promise<unknown> }>();
  /** The last SSUBSCRIBE/SUNSUBSCRIBE asked for on each channel, while on its way. */
  private readonly queue = new Map<string, Promise<unknown>>();

  constructor(private readonly cluster: Cluster) {
    super();
    cluster.on('smessage', (channel: string, message: string) => this.dispatch(channel, message));
  }

  async publish(channel: string, payload: unknown): Promise<void> {
    await this.cluster.spublish(channel, JSON.stringify(payload));
  }

  subscribe(channel: string, onMessage: Listener): Promise<number> {
    const id = ++this.nextId;
    let entry = this.channels.get(channel);
    if (!entry) {
      entry = { ids: new Set(), subscribed: this.inOrder(channel, () => this.cluster.ssubscribe(channel)) };
      this.channels.set(channel, entry);
    }
    entry.ids.add(id);
    this.listeners.set(id, { channel, listener: onMessage });
    const subscribed = entry;
    return subscribed.subscribed.then(
      () => id,
      (error: unknown) => {
        // The caller hears of the failure; the next listener on the channel tries again.
        this.drop(id);
        if (this.channels.get(channel) === subscribed && subscribed.ids.size === 0) this.channels.delete(channel);
        throw error;
      },
    );
  }

  /**
   * Listens on every channel again, resolving once each shard has confirmed it (an SSUBSCRIBE of a
   * channel already listened on changes nothing): after shard connections were replaced, ioredis
   * subscribes again without saying when it is done.
   */
  async relisten(): Promise<void> {
    await Promise.all(
      [...this.channels.keys()].map((channel) => this.inOrder(channel, () => this.cluster.ssubscribe(channel))),
    );
  }

  unsubscribe(id: number): void {
    const channel = this.drop(id);
    if (channel === undefined) return;
    const entry = this.channels.get(channel);
    if (!entry || entry.ids.size > 0) return;
    this.channels.delete(channel);
    // Fails only when the connection is gone, and then the subscription with it.
    this.inOrder(channel, () => this.cluster.sunsubscribe(channel)).catch(() => undefined);
  }

  private drop(id: number): string | undefined {
    const entry = this.listeners.get(id);
    if (!entry) return undefined;
    this.listeners.delete(id);
    this.channels.get(entry.channel)?.ids.delete(id);
    return entry.channel;
  }

  private inOrder(channel: string, send: () => Promise<unknown>): Promise<unknown> {
    const sent = (this.queue.get(channel) ?? Promise.resolve()).catch(() => undefined).then(send);
    this.queue.set(channel, sent);
    const forget = () => {
      if (this.queue.get(channel) === sent) this.queue.delete(channel);
    };
    sent.then(forget, forget);
    return sent;
  }

  /** One parsed event per message, handed to every listener of its channel (the same object). */
  private dispatch(channel: string, message: string) {
    const entry = this.channels.get(channel);
    if (!entry || entry.ids.size === 0) return;
    let payload: unknown;
    try {
      payload = JSON.parse(message);
    } catch {
      payload = message;
    }
    for (const id of entry.ids) void this.listeners.get(id)?.listener(payload);
  }
}
