// Summarises V8 CPU profiles (.cpuprofile, from `bench/live/run.ts --profile`): self time by package
// / source area and by function, and inclusive time of the functions that matter for fan-out; and
// sampling heap profiles (.heapprofile, from `bench/live/run.ts --heap-profile`): live bytes by
// area and by allocating function.
//   npx tsx bench/live/profile-summary.ts <file.cpuprofile | file.heapprofile | dir> [--top 25]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const input = process.argv[2];
if (!input) throw new Error('usage: profile-summary.ts <file.cpuprofile | dir> [--top 25]');
const topIndex = process.argv.indexOf('--top');
const top = topIndex > 0 ? Number(process.argv[topIndex + 1]) || 25 : 25;
const files = statSync(input).isDirectory()
  ? readdirSync(input)
      .filter((f) => f.endsWith('.cpuprofile') || f.endsWith('.heapprofile'))
      .map((f) => join(input, f))
  : [input];

/** Where a frame's code lives: a package, our source, node internals, or V8 itself. */
function areaOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native / V8)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return 'node internals';
  const ours = /\/(server\/src\/[^?]*)/.exec(url);
  if (ours) return ours[1]!.split('/').slice(0, 3).join('/');
  return url;
}

const INCLUSIVE = [
  'execute',
  'executeFields',
  'completeValue',
  'queryFromInfo',
  'loadOnce',
  'stringify',
  'parse',
  'send',
  'sendFrame',
  'onMessage',
  'deliver',
];

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}

function summariseHeap(file: string) {
  const { head } = JSON.parse(readFileSync(file, 'utf8')) as { head: HeapNode };
  const area = new Map<string, number>();
  const self = new Map<string, number>();
  /** Bytes allocated under a frame of ours (server/src), by that frame: who asked for the memory. */
  const ours = new Map<string, number>();
  let total = 0;
  const walk = (node: HeapNode, ourFrame: string | null) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const name = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/server\//, 'server/')}:${lineNumber + 1}`;
    const mine = /\/server\/src\//.test(url) ? name : ourFrame;
    if (node.selfSize) {
      total += node.selfSize;
      const a = areaOf(url, functionName);
      area.set(a, (area.get(a) ?? 0) + node.selfSize);
      self.set(name, (self.get(name) ?? 0) + node.selfSize);
      const key = mine ?? '(no frame of server/src on the stack)';
      ours.set(key, (ours.get(key) ?? 0) + node.selfSize);
    }
    for (const child of node.children) walk(child, mine);
  };
  walk(head, null);
  const mib = (bytes: number) =>
    `${(bytes / 2 ** 20).toFixed(1).padStart(6)} MiB ${((100 * bytes) / total).toFixed(1).padStart(5)}%`;
  console.log(`\n${file}\n  ${(total / 2 ** 20).toFixed(1)} MiB live (sampled)`);
  for (const [title, map] of [
    ['by area of the allocating function', area],
    ['by allocating function', self],
    ['by the innermost server/src frame on the allocation stack', ours],
  ] as const) {
    console.log(`  ${title}:`);
    for (const [name, bytes] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top))
      console.log(`    ${mib(bytes)}  ${name}`);
  }
}

for (const file of files) {
  if (file.endsWith('.heapprofile')) {
    summariseHeap(file);
    continue;
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const area = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  let idle = 0;
  // timeDeltas[i] is the time from sample i - 1 to sample i; the first one is from the profiler's
  // start to its first sample (100–300 ms here), which no code spent: it counts for nothing.
  const weight = (i: number) => (i === 0 ? 0 : (profile.timeDeltas[i] ?? 0) / 1000);
  profile.samples.forEach((id, i) => {
    const dt = weight(i);
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    total += dt;
    if (functionName === '(idle)') {
      idle += dt;
      return;
    }
    const key = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/server\//, 'server/')}:${lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + dt);
    const a = areaOf(url, functionName);
    area.set(a, (area.get(a) ?? 0) + dt);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = byId.get(at)!.callFrame.functionName;
      if (INCLUSIVE.includes(name) && !seen.has(name)) {
        seen.add(name);
        inclusive.set(name, (inclusive.get(name) ?? 0) + dt);
      }
    }
  });
  // Stretches of consecutive samples: garbage collection (a GC pause, at most) and not idle (the
  // event loop never waited for I/O: every event in it waited at least that long).
  const stretches = (match: (name: string) => boolean) => {
    const runs: number[] = [];
    let run = 0;
    profile.samples.forEach((id, i) => {
      const dt = weight(i);
      if (match(byId.get(id)!.callFrame.functionName)) run += dt;
      else if (run > 0) {
        runs.push(run);
        run = 0;
      }
    });
    if (run > 0) runs.push(run);
    return runs.sort((a, b) => b - a);
  };
  const gc = stretches((name) => name === '(garbage collector)');
  const busyRuns = stretches((name) => name !== '(idle)');
  // Gaps of 5 ms or more between samples (taken every 1 ms): the process did not run, idle or not
  // (another process had the vCPU, or the VM was not running); an event arriving then waited.
  const gaps = profile.timeDeltas.slice(1).filter((us) => us >= 5000);
  const busy = total - idle;
  const pct = (ms: number) => `${((100 * ms) / busy).toFixed(1).padStart(5)}%`;
  console.log(`\n${file}\n  ${(total / 1000).toFixed(1)} s sampled, ${(busy / 1000).toFixed(1)} s busy`);
  const top5 = (runs: number[]) =>
    runs
      .slice(0, 5)
      .map((ms) => ms.toFixed(0))
      .join(', ');
  console.log(
    `  longest GC stretches (ms): ${top5(gc)}; ${gc.filter((ms) => ms >= 10).length} of 10 ms or more\n` +
      `  longest stretches without idle (ms): ${top5(busyRuns)}; ${busyRuns.filter((ms) => ms >= 50).length} of 50 ms or more\n` +
      `  gaps between samples of 5 ms or more: ${gaps.length}, ${(gaps.reduce((a, b) => a + b, 0) / 1000).toFixed(0)} ms in all, ` +
      `longest ${top5(gaps.map((us) => us / 1000).sort((a, b) => b - a))} ms`,
  );
  console.log('  self time by area (share of busy time):');
  for (const [name, ms] of [...area].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`    ${pct(ms)}  ${name}`);
  }
  console.log('  self time by function:');
  for (const [name, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`    ${pct(ms)}  ${name}`);
  }
  console.log('  inclusive time (any frame of that name on the stack):');
  for (const [name, ms] of [...inclusive].sort((a, b) => b[1] - a[1])) console.log(`    ${pct(ms)}  ${name}`);
}
