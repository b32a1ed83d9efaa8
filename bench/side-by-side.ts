// What bench/send-ab.ts and bench/idle.ts share: another working tree's server run beside this
// one's, and the CPU PostgreSQL spends for each server's database.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type pg from 'pg';
import { cpuSeconds } from './live/common.js';

/** The absolute path of a `--base` checkout, checked to be a working tree of this repository. */
export function baseCheckout(path: string): string {
  const base = resolve(path);
  if (!path || !existsSync(resolve(base, 'server/src/main.ts'))) {
    throw new Error('--base: the path of another working tree of this repository');
  }
  return base;
}

/** CPU seconds of each PostgreSQL backend serving `database` now, by pid (through `admin`). */
export async function databaseCpu(admin: pg.Client, database: string): Promise<Map<number, number>> {
  const { rows } = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [
    database,
  ]);
  return new Map(rows.map(({ pid }) => [pid, cpuSeconds(pid)]));
}

/** CPU seconds spent between two readings of `databaseCpu` (backends that came since count whole). */
export const cpuSpent = (before: Map<number, number>, after: Map<number, number>) =>
  [...after].reduce((sum, [pid, cpu]) => sum + (Number.isNaN(cpu) ? 0 : cpu - (before.get(pid) ?? 0)), 0);
