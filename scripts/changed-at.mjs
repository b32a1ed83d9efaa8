// When a build's sources last changed, for the build scripts that skip work when their output is
// newer (scripts/build-web.mjs, scripts/build-server.mjs).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The latest change under `path` (a directory's own time changes when a file is added or removed). */
export function changedAt(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => changedAt(join(path, name))));
}

/** True when `built` exists and is newer than every file under `sources`. */
export const upToDate = (built, sources) =>
  existsSync(built) && statSync(built).mtimeMs > Math.max(...sources.map(changedAt));
