// The reorder/dedupe buffer and the room stream's recovery logic, without a server: a fake host
// plays the subscription, the socket's (re)connections and messagesSince.
import { describe, expect, it } from 'vitest';
import { ChatError, MessageStream, SeqBuffer, type StreamHost } from '../src/index.js';
import { sleep, until } from './support.js';

type M = { id: string; seq: number };
const m = (seq: number): M => ({ id: `m${seq}`, seq });
const seqsOf = (messages: M[]) => messages.map((x) => x.seq);

describe('SeqBuffer', () => {
  it('delivers in order, holding back what comes after a gap until it is filled', () => {
    const buffer = new SeqBuffer<M>(10);
    expect(seqsOf(buffer.add([m(11), m(12)]))).toEqual([11, 12]);
    expect(seqsOf(buffer.add([m(14), m(15)]))).toEqual([]);
    expect(buffer.hasGap).toBe(true);
    expect(buffer.waitingCount).toBe(2);
    expect(seqsOf(buffer.add([m(13)]))).toEqual([13, 14, 15]);
    expect(buffer.hasGap).toBe(false);
    expect(buffer.lastSeq).toBe(15);
    expect(buffer.delivered).toBe(5);
  });

  it('drops repeats: at or below the last delivered seq, already waiting, or an id seen', () => {
    const buffer = new SeqBuffer<M>(0);
    buffer.add([m(1), m(2)]);
    expect(buffer.add([m(1), m(2), m(0)])).toEqual([]);
    buffer.add([m(5)]);
    expect(buffer.add([m(5), { id: 'm5', seq: 6 }])).toEqual([]);
    expect(buffer.duplicates).toBe(5);
    expect(seqsOf(buffer.add([m(4), m(3), m(3)]))).toEqual([3, 4, 5]);
    expect(buffer.duplicates).toBe(6);
  });

  it('puts any shuffle of repeated messages in order exactly once', () => {
    for (let round = 0; round < 50; round++) {
      const all = Array.from({ length: 200 }, (_, i) => m(i + 1));
      const shuffled = [...all, ...all.filter(() => Math.random() < 0.3)].sort(() => Math.random() - 0.5);
      const buffer = new SeqBuffer<M>(0);
      const out: M[] = [];
      for (let i = 0; i < shuffled.length; i += 7) out.push(...buffer.add(shuffled.slice(i, i + 7)));
      expect(seqsOf(out)).toEqual(seqsOf(all));
      expect(buffer.hasGap).toBe(false);
    }
  });
});

/** A room on a fake server: `store` adds messages; `publish` sends one live (or not: a lost event). */
function fakeRoom(lastSeq = 0) {
  const stored: M[] = Array.from({ length: lastSeq }, (_, i) => m(i + 1));
  let sink: Parameters<StreamHost<M>['subscribe']>[1] | undefined;
  const connectedListeners = new Set<() => void>();
  const calls = { messagesSince: [] as number[], lastSeq: 0, subscribed: 0, unsubscribed: 0 };
  let failNext: unknown[] = [];
  const host: StreamHost<M> = {
    async lastSeq() {
      calls.lastSeq++;
      return stored.length;
    },
    async messagesSince(_roomId, afterSeq, first) {
      calls.messagesSince.push(afterSeq);
      await sleep(1);
      const failure = failNext.shift();
      if (failure) throw failure;
      return stored.filter((x) => x.seq > afterSeq).slice(0, first);
    },
    subscribe(_roomId, s) {
      calls.subscribed++;
      sink = s;
      return () => {
        calls.unsubscribed++;
        sink = undefined;
      };
    },
    onConnected(listener) {
      connectedListeners.add(listener);
      return () => connectedListeners.delete(listener);
    },
  };
  return {
    host,
    calls,
    store(count: number, live = true) {
      for (let i = 0; i < count; i++) {
        const message = m(stored.length + 1);
        stored.push(message);
        if (live) sink?.next(message);
      }
    },
    live: (message: M) => sink?.next(message),
    connected: () => connectedListeners.forEach((l) => l()),
    sink: () => sink,
    failNextRecovery: (...errors: unknown[]) => (failNext = errors),
  };
}

const quick = { gapWaitMs: 20, settleDelaysMs: [] };

describe('MessageStream', () => {
  it("starts after the room's lastSeq by default and yields live messages in order", async () => {
    const room = fakeRoom(5);
    const stream = new MessageStream(room.host, 'r', quick);
    const out: M[] = [];
    stream.onMessage((x) => out.push(x));
    await until(() => stream.lastSeq === 5, 1_000, 'start');
    room.store(3);
    expect(seqsOf(out)).toEqual([6, 7, 8]);
    stream.close();
    expect(room.calls.unsubscribed).toBe(1);
  });

  it('replays from afterSeq, pages through messagesSince, then goes on live', async () => {
    const room = fakeRoom(25);
    const stream = new MessageStream(room.host, 'r', { ...quick, afterSeq: 3, pageSize: 10 });
    const out: M[] = [];
    stream.onMessage((x) => out.push(x));
    await until(() => out.length === 22, 1_000, 'the replay');
    expect(room.calls.messagesSince).toEqual([3, 13, 23]);
    expect(room.calls.lastSeq).toBe(0);
    room.store(2);
    expect(seqsOf(out)).toEqual(Array.from({ length: 24 }, (_, i) => i + 4));
    stream.close();
  });

  it('fetches the gap after a reconnection: events lost while disconnected are delivered once, in order', async () => {
    const room = fakeRoom(0);
    const stream = new MessageStream(room.host, 'r', quick);
    const out: M[] = [];
    stream.onMessage((x) => out.push(x));
    await until(() => stream.lastSeq === 0, 1_000, 'start');
    room.store(3);
    room.store(4, false); // sent while the socket was down
    room.connected(); // reconnected: the stream fetches what it missed
    room.store(2);
    await until(() => out.length === 9, 1_000, 'recovery');
    await sleep(50);
    expect(seqsOf(out)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(stream.stats.delivered).toBe(9);
    expect(stream.stats.recovered).toBeGreaterThanOrEqual(4); // 8 and 9 may wait behind the gap and come with it
  });

  it('holds back a message that arrives past a gap, and fetches the gap if it does not fill by itself', async () => {
    const room = fakeRoom(0);
    const stream = new MessageStream(room.host, 'r', quick);
    const out: M[] = [];
    stream.onMessage((x) => out.push(x));
    await until(() => stream.lastSeq === 0, 1_000, 'start');
    const before = room.calls.messagesSince.length;
    room.store(1, false);
    room.store(1, false);
    room.store(1); // 3 arrives live; 1 and 2 were lost
    expect(out).toEqual([]);
    await until(() => out.length === 3, 1_000, 'the gap to be fetched');
    expect(seqsOf(out)).toEqual([1, 2, 3]);
    expect(room.calls.messagesSince.length).toBe(before + 1);

    // Out of order but complete within gapWaitMs: no fetch.
    const calls = room.calls.messagesSince.length;
    room.store(2, false);
    room.live(m(5));
    room.live(m(4));
    expect(seqsOf(out)).toEqual([1, 2, 3, 4, 5]);
    await sleep(60);
    expect(room.calls.messagesSince.length).toBe(calls);
    // Repeats of anything (live or recovered) are dropped.
    room.live(m(2));
    room.live(m(5));
    room.connected();
    await sleep(30);
    expect(seqsOf(out)).toEqual([1, 2, 3, 4, 5]);
    expect(stream.stats.duplicates).toBeGreaterThanOrEqual(2);
    stream.close();
  });

  it('keeps fetching a gap whose message is not visible yet, until it is', async () => {
    const room = fakeRoom(0);
    const stream = new MessageStream(room.host, 'r', quick);
    const out: M[] = [];
    stream.onMessage((x) => out.push(x));
    await until(() => stream.lastSeq === 0, 1_000, 'start');
    room.live(m(2)); // 1 is not stored (visible) yet
    await until(() => room.calls.messagesSince.length >= 3, 1_000, 'repeated gap fetches');
    expect(out).toEqual([]);
    room.store(2, false); // now 1 (and 2) are there
    await until(() => out.length === 2, 1_000, 'the gap to fill');
    expect(seqsOf(out)).toEqual([1, 2]);
    stream.close();
  });

  it('retries a failed gap fetch, and ends with the error when the room is forbidden', async () => {
    const room = fakeRoom(0);
    const stream = new MessageStream(room.host, 'r', { ...quick, afterSeq: 0 });
    const out: M[] = [];
    stream.onMessage((x) => out.push(x));
    await until(() => room.calls.messagesSince.length === 1, 1_000, 'start');
    room.failNextRecovery(new ChatError('NETWORK', 'down'));
    room.store(2, false);
    room.connected();
    await until(() => out.length === 2, 3_000, 'the retried recovery');

    let error: ChatError | undefined;
    stream.on('error', (e) => (error = e));
    room.failNextRecovery(new ChatError('FORBIDDEN', 'You left'));
    room.connected();
    await until(() => stream.closed, 1_000, 'the stream to end');
    expect(error?.code).toBe('FORBIDDEN');
    expect(room.calls.unsubscribed).toBe(1);
  });

  it('is an async iterator: buffered messages first, a break ends the stream, errors are thrown', async () => {
    const room = fakeRoom(0);
    const stream = new MessageStream(room.host, 'r', quick);
    await until(() => stream.lastSeq === 0, 1_000, 'start');
    room.store(3); // before anyone iterates: kept for the first consumer
    const seen: number[] = [];
    for await (const message of stream) {
      seen.push(message.seq);
      if (message.seq === 3) setTimeout(() => room.store(2));
      if (seen.length === 5) break;
    }
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(stream.closed).toBe(true);

    const failing = fakeRoom(0);
    const other = new MessageStream(failing.host, 'r', quick);
    await until(() => other.lastSeq === 0, 1_000, 'start');
    failing.store(1);
    failing.sink()!.error(new ChatError('FORBIDDEN', 'no'));
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const message of other) got.push(message.seq);
      })(),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(got).toEqual([1]);
  });

  it('ends (without error) when the server completes the subscription', async () => {
    const room = fakeRoom(0);
    const stream = new MessageStream(room.host, 'r', quick);
    await until(() => stream.lastSeq === 0, 1_000, 'start');
    room.sink()!.complete();
    const seen: M[] = [];
    for await (const message of stream) seen.push(message);
    expect(seen).toEqual([]);
    expect(stream.closed).toBe(true);
  });
});
