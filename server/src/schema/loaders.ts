import DataLoader from 'dataloader';
import type { Database } from '../infra/db.js';

/**
 * Batches of loads made at about the same time on this replica, whoever makes them: the loads of a
 * field from one request, and from every execution of one live event (which runs once per viewer
 * when its document selects a viewer-dependent field, so a room of 1,000 subscribers would
 * otherwise send 1,000 statements per message). Loads made before the event loop turns are one
 * statement. Nothing is cached: a subscription's context lives through many events, and each must
 * see the rows as they are then. The batch functions take the viewer as part of each key and answer
 * each key for its own viewer only.
 */
const loaders = new WeakMap<Database, Map<string, DataLoader<unknown, unknown>>>();

export function batchOf<K, V>(
  db: Database,
  name: string,
  load: (keys: readonly K[]) => Promise<V[]>,
): DataLoader<K, V> {
  let byName = loaders.get(db);
  if (!byName) loaders.set(db, (byName = new Map()));
  let loader = byName.get(name) as DataLoader<K, V> | undefined;
  if (!loader) {
    loader = new DataLoader<K, V>(load, { cache: false, batchScheduleFn: (run) => setImmediate(run) });
    byName.set(name, loader as DataLoader<unknown, unknown>);
  }
  return loader;
}
