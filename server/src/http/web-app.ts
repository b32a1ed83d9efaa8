import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../infra/logger.js';

/** The project's root: a relative WEB_APP_DIR is read from here, wherever the server starts. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Paths the API answers itself: never files of the app, never index.html. */
const API_PATHS = ['/graphql', '/files', '/healthz', '/readyz', '/metrics', '/yoga-health'];

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.json', '.map', '.webmanifest', '.svg', '.txt']);

/** Vite puts content-hashed files here: a name changes with its content, so they never go stale. */
const HASHED_DIR = '/assets/';
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** index.html and unhashed files: kept, but checked with the server (ETag) before each use. */
const REVALIDATE = 'no-cache';

/**
 * What index.html may load: its own scripts and styles, connections back to this server (HTTP
 * and the WebSocket), nothing inline, and no framing. Images may also come from the page itself
 * (previews of files being uploaded) and from where attachments are stored (`imageOrigins`).
 */
const contentSecurityPolicy = (imageOrigins: readonly string[]) =>
  `default-src 'self'; script-src 'self'; style-src 'self'; img-src ${["'self'", 'data:', 'blob:', ...imageOrigins].join(' ')}; connect-src 'self'; ` +
  "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

interface StaticFile {
  body: Uint8Array<ArrayBuffer>;
  gzipped: Uint8Array<ArrayBuffer> | null;
  headers: Record<string, string>;
}

/** Every file of the build, read once at start-up, by URL path: nothing else can be served. */
function loadFiles(dir: string, policy: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const urlPath = `/${relative(dir, path).split(sep).join('/')}`;
    const extension = extname(entry.name).toLowerCase();
    const body = new Uint8Array(readFileSync(path));
    const gzipped = COMPRESSIBLE.has(extension) && body.length > 1024 ? new Uint8Array(gzipSync(body)) : null;
    const isIndex = urlPath === '/index.html';
    files.set(urlPath, {
      body,
      gzipped: gzipped && gzipped.length < body.length ? gzipped : null,
      headers: {
        'content-type': CONTENT_TYPES[extension] ?? 'application/octet-stream',
        'cache-control': urlPath.startsWith(HASHED_DIR) ? IMMUTABLE : REVALIDATE,
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
        'x-content-type-options': 'nosniff',
        ...(isIndex ? { 'content-security-policy': policy, 'referrer-policy': 'same-origin' } : {}),
      },
    });
  }
  return files;
}

const isApiPath = (path: string) => API_PATHS.some((api) => path === api || path.startsWith(`${api}/`));

/** The file a GET of `path` answers with: the file itself, or index.html for the app's own routes. */
function fileFor(files: Map<string, StaticFile>, path: string): StaticFile | undefined {
  const file = files.get(path === '/' ? '/index.html' : path);
  if (file) return file;
  // A route of the app (/rooms/…): no extension, not under /assets/. A missing asset stays a 404.
  if (path.startsWith(HASHED_DIR) || extname(path) !== '') return undefined;
  return files.get('/index.html');
}

export interface WebAppOptions {
  /** Serve the app at all (the WEB_APP setting). */
  enabled: boolean;
  /** The build to serve (WEB_APP_DIR): absolute, or relative to the project's root. */
  dir: string;
  /** Other origins images load from: attachments in object storage. */
  imageOrigins?: readonly string[];
}

/**
 * The web app at `/`: the files of its build (client/web/dist, made by `vite build`; `npm start`
 * builds it when missing or stale), read once at start-up. Hashed assets are cached for a year,
 * index.html is revalidated; compressible files are sent gzipped to clients that accept it. Paths
 * that are not files and look like the app's routes get index.html. The API's own paths are never
 * touched. Without a build (or with WEB_APP=off) nothing is served and `/` is a 404, as before.
 */
export function useWebApp(options: WebAppOptions, log: Logger): Plugin {
  if (!options.enabled) return {};
  const dir = resolve(ROOT, options.dir);
  if (!existsSync(join(dir, 'index.html'))) {
    log.info({ dir }, 'web app not built: not serving it (npm start builds it)');
    return {};
  }
  const files = loadFiles(dir, contentSecurityPolicy(options.imageOrigins ?? []));
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      let path: string;
      try {
        path = decodeURIComponent(url.pathname);
      } catch {
        return;
      }
      if (isApiPath(path)) return;
      const file = fileFor(files, path);
      if (!file) {
        endResponse(new fetchAPI.Response('Not found', { status: 404, headers: { 'content-type': 'text/plain' } }));
        return;
      }
      if (request.headers.get('if-none-match') === file.headers.etag) {
        endResponse(new fetchAPI.Response(null, { status: 304, headers: file.headers }));
        return;
      }
      const gzip = file.gzipped !== null && /\bgzip\b/.test(request.headers.get('accept-encoding') ?? '');
      const body = gzip ? file.gzipped! : file.body;
      const headers = {
        ...file.headers,
        'content-length': String(body.length),
        ...(file.gzipped ? { vary: 'accept-encoding' } : {}),
        ...(gzip ? { 'content-encoding': 'gzip' } : {}),
      };
      endResponse(new fetchAPI.Response(request.method === 'HEAD' ? null : body, { status: 200, headers }));
    },
  };
}
