import DataLoader from 'dataloader';
import type { Context } from './context.js';

/**
 * Batches of one request (or one live event's execution): the loads of a field made in the same
 * tick become one statement. Nothing is cached: a subscription's context lives through many events,
 * and each must see the rows as they are then.
 */
const loaders = new WeakMap<Context, Map<string, DataLoader<unknown, unknown>>>();

export function batchOf<K, V>(
  ctx: Context,
  name: string,
  load: (keys: readonly K[]) => Promise<V[]>,
): DataLoader<K, V> {
  let byName = loaders.get(ctx);
  if (!byName) loaders.set(ctx, (byName = new Map()));
  let loader = byName.get(name) as DataLoader<K, V> | undefined;
  if (!loader) byName.set(name, (loader = new DataLoader<K, V>(load, { cache: false }) as never));
  return loader;
}
