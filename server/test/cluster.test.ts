// The Redis Cluster mode at its own edges: room channels as shard channels on the nodes that own
// them, and a node that restarts. (The live and presence behaviour is live.test.ts's, run on a
// cluster too.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatClient } from './support/chat.js';
import { freshDatabaseEnv } from './support/databases.js';
import { hasPostgres, hasRedisCluster } from './support/env.js';
import { connect, eventually, subscribe, type Socket, type Subscription } from './support/live.js';
import { startRedisCluster, type RedisCluster } from './support/redis-cluster.js';
import { rawId, spawnReplicas, type ServerProcess } from './support/server.js';
import { registerUser, type Session } from './support/users.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const ROOM_EVENTS = `subscription ($roomId: ID!) { roomEvents(roomId: $roomId) {
  __typename ... on MessageCreated { message { seq body } } } }`;
const seqsOf = (sub: Subscription) =>
  sub
    .events()
    .map((e) => e.roomEvents as { __typename: string; message?: { seq: number } })
    .filter((e) => e.__typename === 'MessageCreated')
    .map((e) => e.message!.seq);
const channelOf = (roomId: string) => `chat:room:${rawId(roomId)}`;

describe.runIf(hasRedisCluster && hasPostgres)('on a 3-master Redis Cluster, two replicas', () => {
  let cluster: RedisCluster;
  let urls: string[];
  let processes: ServerProcess[];
  let owner: Session;
  const open = (url: string, token?: string, listening?: (ids: string[]) => void): Socket => {
    const socket = connect(`${url.replace(/^http/, 'ws')}/graphql`, token, { listening });
    cleanups.push(() => socket.dispose());
    return socket;
  };
  /** The port of the node that owns `channel`'s slot. */
  const ownerOf = async (channel: string): Promise<number> => {
    const slot = Number(await cluster.node(0).cluster('KEYSLOT', channel));
    const ranges = await cluster.node(0).cluster('SLOTS');
    return ranges.find(([from, to]) => from <= slot && slot <= to)![2]![1];
  };
  /** Sends to `roomId` until `sub` hears a message: its subscription is live. */
  const untilLive = async (roomId: string, sub: Subscription) => {
    const sender = chatClient(urls[0]!, owner.accessToken);
    await eventually(async () => {
      await sender.send(roomId, 'anyone there?');
      await new Promise((r) => setTimeout(r, 50));
      return seqsOf(sub).length > 0;
    });
  };

  beforeAll(async () => {
    cluster = await startRedisCluster();
    cleanups.push(cluster.stop);
    const env = {
      ...(await freshDatabaseEnv(cleanups, 'postgres')),
      REDIS_CLUSTER_NODES: cluster.nodes,
      // The limits' buckets are in Redis too; the restart test sends while a node is away.
      RATE_LIMITS: 'off',
    };
    ({ urls, processes } = await spawnReplicas(2, env, cleanups));
    owner = await registerUser(urls[0]!);
  });

  it('room channels are shard channels on the node owning their slot, spread over every node, each heard by the replicas that watch it', async () => {
    // The log says which mode the replica runs in.
    expect(processes[0]!.output()).toMatch(/"pubsub":"cluster".*"server listening"/);
    const c = chatClient(urls[0]!, owner.accessToken);
    const rooms: string[] = [];
    for (let i = 0; i < 30; i++)
      rooms.push((await c.createRoom(`shard-${i}-${owner.user.username}`)).data!.createRoom.id);
    const unwatched = (await c.createRoom(`unwatched-${owner.user.username}`)).data!.createRoom.id;
    // Replica 0 watches the first twenty rooms, replica 1 the last twenty: ten are watched by both.
    const onA = open(urls[0]!, owner.accessToken);
    const onB = open(urls[1]!, owner.accessToken);
    const subs = [
      ...rooms.slice(0, 20).map((roomId) => ({ roomId, sub: subscribe(onA, ROOM_EVENTS, { roomId }) })),
      ...rooms.slice(10).map((roomId) => ({ roomId, sub: subscribe(onB, ROOM_EVENTS, { roomId }) })),
    ];
    for (const { roomId, sub } of subs) await untilLive(roomId, sub);

    const shardChannels = await Promise.all(
      cluster.ports.map(async (_, i) => (await cluster.node(i).pubsub('SHARDCHANNELS', 'chat:room:*')) as string[]),
    );
    const classic = await Promise.all(
      cluster.ports.map(async (_, i) => (await cluster.node(i).pubsub('CHANNELS', 'chat:room:*')) as string[]),
    );
    expect(classic.flat()).toEqual([]);
    for (const roomId of rooms) {
      const channel = channelOf(roomId);
      const holders = cluster.ports.filter((_, i) => shardChannels[i]!.includes(channel));
      expect(holders, channel).toEqual([await ownerOf(channel)]);
    }
    expect(
      shardChannels.every((channels) => channels.length > 0),
      JSON.stringify(shardChannels),
    ).toBe(true);
    expect(shardChannels.flat()).not.toContain(channelOf(unwatched));

    // Each replica subscribes once per channel it watches, however many subscriptions it serves.
    const numsub = async (roomId: string) => {
      const channel = channelOf(roomId);
      const node = cluster.node(cluster.ports.indexOf(await ownerOf(channel)));
      const [, count] = (await node.pubsub('SHARDNUMSUB', channel)) as [string, number];
      return Number(count);
    };
    expect(await numsub(rooms[0]!)).toBe(1);
    expect(await numsub(rooms[15]!)).toBe(2);
    expect(await numsub(rooms[29]!)).toBe(1);
    expect(await numsub(unwatched)).toBe(0);
    subscribe(onA, ROOM_EVENTS, { roomId: rooms[0] });
    await new Promise((r) => setTimeout(r, 200));
    expect(await numsub(rooms[0]!)).toBe(1);
  });

  it('a node restarts: /readyz says so meanwhile, subscriptions come back by themselves, and messagesSince recovers what was missed', async () => {
    const reader = await registerUser(urls[1]!);
    const c = chatClient(urls[0]!, owner.accessToken);
    const roomId = (await c.createRoom(`restart-${owner.user.username}`)).data!.createRoom.id;
    await chatClient(urls[1]!, reader.accessToken).joinRoom({ roomId });
    const pings: string[][] = [];
    const sub = subscribe(
      open(urls[1]!, reader.accessToken, (ids) => pings.push(ids)),
      ROOM_EVENTS,
      { roomId },
    );
    await untilLive(roomId, sub);
    expect(pings).toHaveLength(1);
    const heardBefore = seqsOf(sub).at(-1)!;
    const node = cluster.ports.indexOf(await ownerOf(channelOf(roomId)));

    // While the node is away, messages are stored but their events cannot be published. The node
    // stays away until three sends are stored, however long noticing the outage takes.
    let comeBack!: () => void;
    const restarted = cluster.restart(node, new Promise<void>((resolve) => (comeBack = resolve)));
    // The 503 itself must name the cluster: a second request could already find the node back.
    let readiness: { checks: Record<string, string> } | undefined;
    await eventually(
      async () => {
        const res = await fetch(`${urls[1]}/readyz`);
        if (res.status !== 503) return false;
        readiness = (await res.json()) as { checks: Record<string, string> };
        return true;
      },
      10_000,
      '/readyz to report the node away',
    );
    expect(readiness!.checks.pubsub).toMatch(/^unavailable/);
    const lastSeqBefore = (await c.room(roomId)).data!.room.lastSeq as number;
    const sends = [1, 2, 3].map((i) => c.send(roomId, `while away ${i}`));
    await eventually(
      async () => (await c.room(roomId)).data!.room.lastSeq === lastSeqBefore + 3,
      10_000,
      'the sends to be stored',
    );
    comeBack();
    await restarted;
    const stored = (await Promise.all(sends)).map((sent) => sent.data!.sendMessage.seq as number);
    expect(stored).toHaveLength(3);

    // The same subscription hears new messages again, without the client doing anything.
    let last = 0;
    await eventually(
      async () => {
        last = (await c.send(roomId, 'back')).data!.sendMessage.seq;
        await new Promise((r) => setTimeout(r, 100));
        return seqsOf(sub).includes(last);
      },
      30_000,
      'the subscription to hear the room again',
    );
    await eventually(async () => (await fetch(`${urls[1]}/readyz`)).status === 200, 10_000, '/readyz to be ok');
    // The replica said the subscription listens again, once its shard's connection was replaced.
    await eventually(() => pings.length >= 2, 10_000, 'the subscription to be said to listen again');
    expect(pings.at(-1)).toEqual(pings[0]);

    // A client fills the gap from the last seq it heard before the outage.
    const heard = seqsOf(sub);
    const since = await chatClient(urls[1]!, reader.accessToken).since(roomId, heardBefore, 500);
    const recovered = (since.data!.messagesSince as { seq: number }[]).map((m) => m.seq);
    // Whether the sends made meanwhile were heard live depends on whether their publishes waited
    // in the client's queue for the node or failed; either way, heard and recovered miss nothing.
    for (const seq of stored) expect(recovered).toContain(seq);
    const all = [...new Set([...heard, ...recovered])].sort((a, b) => a - b);
    expect(all.at(-1)).toBe(last);
    expect(all.every((seq, i) => i === 0 || seq === all[i - 1]! + 1)).toBe(true);
  }, 90_000);
});
