// The web app's files at `/` (server/src/http/web-app.ts), from a build of its own in a temporary
// folder (WEB_APP_DIR), on a real server: content types, caching, gzip, the index.html fallback for
// the app's routes, nothing from outside the build, and the API's paths left alone.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presignedOrigin } from '../src/storage/s3-settings.js';
import { freshDatabaseEnv } from './support/databases.js';
import { startServer, type TestServer } from './support/server.js';

const INDEX = '<!doctype html><title>Chat</title><script type="module" src="/assets/index-1a2b3c4d.js"></script>';
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(4000))});`;

/** A GET with the path sent exactly as given (fetch would normalise `..` away). */
function rawGet(url: string, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
    const req = request(`${url}/`, { path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('GET / (the web app)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  let server: TestServer;
  let site: string;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chat-web-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    site = join(dir, 'dist');
    mkdirSync(join(site, 'assets'), { recursive: true });
    writeFileSync(join(site, 'index.html'), INDEX);
    writeFileSync(join(site, 'assets/index-1a2b3c4d.js'), SCRIPT);
    writeFileSync(join(site, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(join(dir, 'secret.txt'), 'not for the web');
    server = await startServer({ ...(await freshDatabaseEnv(cleanups)), WEB_APP_DIR: site });
    cleanups.push(() => server.stop());
  });

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('serves index.html at / and for the app’s own routes, revalidated, with a content security policy', async () => {
    for (const path of ['/', '/rooms/Um9vbTox', '/directory']) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(response.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
      // Previews of files being uploaded are blob: URLs; attachments on disk come from 'self'.
      expect(response.headers.get('content-security-policy')).toMatch(/img-src 'self' data: blob:;/);
      expect(await response.text()).toBe(INDEX);
    }
    const first = await fetch(server.url);
    const again = await fetch(server.url, { headers: { 'if-none-match': first.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });

  it('serves hashed assets for a year, gzipped when asked', async () => {
    const plain = await rawGet(server.url, '/assets/index-1a2b3c4d.js');
    expect(plain.status).toBe(200);
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.body.toString()).toBe(SCRIPT);
    const gzipped = await rawGet(server.url, '/assets/index-1a2b3c4d.js', { 'accept-encoding': 'gzip, br' });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gzipped.headers.vary).toBe('accept-encoding');
    expect(gunzipSync(gzipped.body).toString()).toBe(SCRIPT);
    expect(gzipped.body.length).toBeLessThan(SCRIPT.length / 10);

    const icon = await fetch(`${server.url}/favicon.svg`);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    expect(icon.headers.get('cache-control')).toBe('no-cache');
  });

  it('answers a missing file with 404, not index.html', async () => {
    expect((await fetch(`${server.url}/assets/index-00000000.js`)).status).toBe(404);
    expect((await fetch(`${server.url}/robots.txt`)).status).toBe(404);
  });

  it('serves nothing from outside the build', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/assets/..%2f..%2fsecret.txt']) {
      const response = await rawGet(server.url, path);
      expect(response.body.toString(), path).not.toContain('not for the web');
    }
  });

  it('leaves the API’s paths to the API', async () => {
    const health = await fetch(`${server.url}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect((await fetch(`${server.url}/readyz`)).headers.get('content-type')).toMatch(/json/);
    expect(await (await fetch(`${server.url}/metrics`)).text()).toMatch(/chat_ws_connections/);
    const graphiql = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(await graphiql.text()).toMatch(/GraphiQL/);
    const query = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ __typename }')}`);
    expect(await query.json()).toEqual({ data: { __typename: 'Query' } });
  });
});

describe('the images the web app may load from object storage', () => {
  const s3 = { bucket: 'chat-files', region: 'eu-west-1', url: undefined, publicUrl: undefined };
  it('is where presigned URLs point: the public endpoint, the endpoint, or AWS’s', () => {
    expect(presignedOrigin({ ...s3, url: 'http://minio:9000', forcePathStyle: true })).toBe('http://minio:9000');
    expect(
      presignedOrigin({
        ...s3,
        url: 'http://minio:9000',
        publicUrl: 'https://files.example.com/',
        forcePathStyle: true,
      }),
    ).toBe('https://files.example.com');
    expect(presignedOrigin({ ...s3, url: 'https://s3.example.com', forcePathStyle: false })).toBe(
      'https://chat-files.s3.example.com',
    );
    expect(presignedOrigin({ ...s3, forcePathStyle: false })).toBe('https://chat-files.s3.eu-west-1.amazonaws.com');
  });
});
