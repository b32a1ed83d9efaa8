// Shared by bench/live/run.ts (the orchestrator and load generator) and bench/live/subscriber.ts
// (the worker processes that hold the subscriber sockets).
import { readFileSync } from 'node:fs';

export type Target = 'ours' | 'raw' | 'socketio';
export const TARGETS: readonly Target[] = ['ours', 'raw', 'socketio'];

/** Wall-clock milliseconds with sub-millisecond resolution; comparable between processes of one machine. */
export const nowMs = () => performance.timeOrigin + performance.now();

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One subscriber socket: which room it listens to, where, and as whom. */
export interface SubscriberSpec {
  /** Global index of the subscriber (0…n−1). */
  index: number;
  /** Room index (0…rooms−1). */
  room: number;
  /** What the server calls the room: a Room id for ours, a name for the peers. */
  roomKey: string;
  /** http://127.0.0.1:port of the replica to connect to. */
  url: string;
  /** Access token (ours). */
  token?: string;
}

export type WorkerCommand =
  | { cmd: 'open'; target: Target; subscribers: SubscriberSpec[]; concurrency: number; timeoutMs: number }
  | { cmd: 'begin' }
  | { cmd: 'count' }
  | { cmd: 'collect' }
  | { cmd: 'close' };

export type WorkerReply =
  | { type: 'opened'; ok: number; failed: number; errors: string[] }
  | { type: 'begun' }
  | {
      type: 'count';
      deliveries: number;
      /** Subscribers that received at least one delivery since `begin`. */
      subscribersWithAny: number;
      /** Sockets closed by the other side, subscription errors, unparsable frames since `open`. */
      problems: number;
    }
  | {
      type: 'collected';
      /** Per delivery since `begin`: subscriber index, seq, receipt time, latency from send time. */
      subscriber: Uint32Array;
      seq: Uint32Array;
      receivedAt: Float64Array;
      latencyMs: Float64Array;
      /** Receipt − the message's createdAt (ours only; NaN for the peers). */
      sinceStoredMs: Float64Array;
      overflow: number;
      problems: string[];
    }
  | { type: 'closed' }
  | { type: 'error'; message: string };

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const round = (x: number, digits = 2) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);

export interface Distribution {
  n: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

export function distribution(values: Float64Array): Distribution {
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    n: sorted.length,
    p50Ms: round(percentile(sorted, 50)),
    p90Ms: round(percentile(sorted, 90)),
    p99Ms: round(percentile(sorted, 99)),
    maxMs: round(sorted.length ? sorted[sorted.length - 1]! : NaN),
    meanMs: round(sorted.length ? sum / sorted.length : NaN),
  };
}

/** CPU time of a process in seconds (user + system, or one of them); NaN when it is gone. */
export function cpuSeconds(pid: number, part: 'all' | 'user' | 'system' = 'all'): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const user = Number(fields[11]) / 100;
    const system = Number(fields[12]) / 100;
    return part === 'user' ? user : part === 'system' ? system : user + system;
  } catch {
    return NaN;
  }
}

/** Resident set size of a process in KiB (VmRSS); NaN when it is gone. */
export function rssKiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? NaN);
  } catch {
    return NaN;
  }
}

/** A growable typed column. */
export class Column<T extends Float64Array | Uint32Array> {
  length = 0;
  constructor(
    private data: T,
    private readonly make: (n: number) => T,
  ) {}
  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = this.make(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }
  get capacity() {
    return this.data.length;
  }
  slice(): T {
    return this.data.slice(0, this.length) as T;
  }
  reset(): void {
    this.length = 0;
  }
}
