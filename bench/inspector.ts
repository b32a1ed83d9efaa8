// The V8 inspector of a server process started with --inspect on loopback, for the benches: a
// forced GC, the heap in use, and CPU profiles of a stretch of work.
import WebSocket from 'ws';
import { round, sleep } from './live/common.js';

/** A V8 inspector session on a server process (started with --inspect): forced GC and heap usage. */
export async function inspect(port: number) {
  const deadline = Date.now() + 30_000;
  let url: string | undefined;
  while (!url && Date.now() < deadline) {
    try {
      const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as {
        webSocketDebuggerUrl: string;
      }[];
      url = targets[0]?.webSocketDebuggerUrl;
    } catch {
      await sleep(200);
    }
  }
  if (!url) throw new Error(`no inspector on port ${port}`);
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  let id = 0;
  const call = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<any>((resolve, reject) => {
      const mine = ++id;
      const timer = setTimeout(() => reject(new Error(`${method} timed out`)), 60_000);
      const onMessage = (data: Buffer) => {
        const message = JSON.parse(data.toString()) as { id?: number; result?: unknown; error?: unknown };
        if (message.id !== mine) return;
        socket.off('message', onMessage);
        clearTimeout(timer);
        if (message.error) reject(new Error(JSON.stringify(message.error)));
        else resolve(message.result);
      };
      socket.on('message', onMessage);
      socket.send(JSON.stringify({ id: mine, method, params }));
    });
  return {
    call,
    async collectGarbage() {
      await call('HeapProfiler.collectGarbage');
    },
    async heapUsedMiB(): Promise<number> {
      const usage = (await call('Runtime.getHeapUsage')) as { usedSize: number };
      return round(usage.usedSize / 2 ** 20, 1);
    },
    close: () => socket.close(),
  };
}

export type Inspector = Awaited<ReturnType<typeof inspect>>;

/** Starts the process's V8 CPU profiler, sampling every `intervalUs`; the function stops it. */
export async function startCpuProfile(inspector: Inspector, intervalUs = 1000): Promise<() => Promise<unknown>> {
  await inspector.call('Profiler.enable');
  await inspector.call('Profiler.setSamplingInterval', { interval: intervalUs });
  await inspector.call('Profiler.start');
  return async () => ((await inspector.call('Profiler.stop')) as { profile: unknown }).profile;
}
