import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { Busboy } from '@fastify/busboy';
import { createGraphQLError, type GraphQLParams, type Plugin } from 'graphql-yoga';
import { isServable } from '../chat/attachments.js';
import type { Config } from '../config.js';
import type { Services } from '../services.js';
import { LOCAL_FILES_PATH, LocalStore } from '../storage/local.js';
import { StagedUpload } from '../storage/staged.js';
import { contentDisposition } from '../storage/store.js';

/** Room for a multipart body's other parts (operations, map, boundaries) beside its file. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;
/** The `operations` and `map` fields of an upload are small documents. */
const MAX_FIELD_BYTES = 64 * 1024;

const isMultipart = (contentType: string | null | undefined) =>
  (contentType ?? '').split(';')[0]!.trim().toLowerCase() === 'multipart/form-data';

/** The body cap of a request: MAX_ATTACHMENT_BYTES and a little for a multipart upload, else MAX_BODY_BYTES. */
export function maxBodyBytesOf(req: IncomingMessage, config: Pick<Config, 'maxBodyBytes' | 'attachments'>): number {
  return isMultipart(req.headers['content-type'])
    ? Math.max(config.maxBodyBytes, config.attachments.maxBytes + MULTIPART_OVERHEAD_BYTES)
    : config.maxBodyBytes;
}

const badRequest = (message: string) =>
  createGraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } });

/**
 * Attachments over HTTP:
 * - GraphQL multipart requests (the spec graphql-yoga follows) are parsed here rather than by
 *   yoga, which would hold each file in memory: the file part streams to a temporary file (busboy),
 *   counted against MAX_ATTACHMENT_BYTES (what is over is not kept), and the `File` argument gets a
 *   StagedUpload. Staged files are removed once the response is made, whatever happened.
 * - `GET /files/<key>?…`, the local store's signed downloads: 403 for a tampered or expired URL,
 *   404 once the message is deleted; always `X-Content-Type-Options: nosniff`, and
 *   `Content-Disposition: attachment` for all but raster images.
 */
export function useAttachments(services: Pick<Services, 'config' | 'db' | 'store' | 'log'>): Plugin {
  const { config, store } = services;
  const staged = new WeakMap<Request, StagedUpload[]>();
  return {
    async onRequest({ url, request, endResponse, fetchAPI }) {
      if (!url.pathname.startsWith(LOCAL_FILES_PATH) || !(store instanceof LocalStore)) return;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        endResponse(new fetchAPI.Response(null, { status: 405, headers: { allow: 'GET, HEAD' } }));
        return;
      }
      const verified = store.verify(url);
      const refuse = (status: number, message: string) =>
        endResponse(
          new fetchAPI.Response(message, {
            status,
            headers: { 'content-type': 'text/plain', 'x-content-type-options': 'nosniff' },
          }),
        );
      if (verified === null) return refuse(403, 'This link is not valid');
      if (verified === 'expired') return refuse(403, 'This link has expired');
      const body = (await isServable(services.db.prisma, verified.key)) ? await store.get(verified.key) : null;
      if (!body) return refuse(404, 'Not found');
      const { download } = verified;
      endResponse(
        new fetchAPI.Response(request.method === 'HEAD' ? null : (body as never), {
          status: 200,
          headers: {
            'content-type': download.contentType,
            'content-disposition': contentDisposition(download),
            'x-content-type-options': 'nosniff',
            'content-security-policy': "default-src 'none'; sandbox",
            'cache-control': 'private, max-age=3600',
          },
        }),
      );
    },
    onRequestParse({ request, serverContext, setRequestParser }) {
      if (request.method !== 'POST' || !isMultipart(request.headers.get('content-type'))) return;
      const req = (serverContext as { req?: IncomingMessage }).req;
      if (!req) return;
      const files: StagedUpload[] = [];
      staged.set(request, files);
      setRequestParser(() => parseMultipart(req, config.attachments, files));
    },
    async onResponse({ request }) {
      const files = staged.get(request);
      if (files) await Promise.all(files.map((file) => file.discard()));
    },
  };
}

/**
 * Reads a GraphQL multipart request (`operations`, `map`, then files) from the request stream,
 * staging each file on disk; `files` collects them (for removal, even on failure).
 */
async function parseMultipart(
  req: IncomingMessage,
  settings: Pick<Config['attachments'], 'maxBytes' | 'tmpDir'>,
  files: StagedUpload[],
): Promise<GraphQLParams> {
  const fields = new Map<string, string>();
  const uploads = new Map<string, StagedUpload>();
  const writes: Promise<void>[] = [];
  await new Promise<void>((resolve, reject) => {
    let failed = false;
    const fail = (message: string) => {
      if (failed) return;
      failed = true;
      req.unpipe(parser);
      req.resume(); // drain what is left, so the response can be sent
      reject(badRequest(message));
    };
    let parser: InstanceType<typeof Busboy>;
    try {
      parser = new Busboy({
        headers: req.headers as never,
        // Names are checked (no path separators), not silently cut to their last segment.
        preservePath: true,
        limits: { fileSize: settings.maxBytes, files: 1, fields: 10, parts: 11, fieldSize: MAX_FIELD_BYTES },
      });
    } catch (error) {
      reject(badRequest(`The multipart body is not valid: ${(error as Error).message}`));
      return;
    }
    parser.on('field', (name, value, _nameTruncated, valueTruncated) => {
      if (valueTruncated) fail(`The multipart field "${name}" is larger than ${MAX_FIELD_BYTES} bytes`);
      else fields.set(name, value);
    });
    parser.on('file', (name, stream, filename, _encoding, mimeType) => {
      const path = join(settings.tmpDir, `chat-upload-${randomUUID()}`);
      let size = 0;
      stream.on('data', (chunk: Buffer) => (size += chunk.length));
      const out = createWriteStream(path, { flags: 'wx' });
      // Registered for removal before a byte is written.
      const pending = new StagedUpload(path, filename ?? '', mimeType ?? '', 0, false);
      files.push(pending);
      stream.pipe(out);
      const written = finished(out).then(() => {
        uploads.set(name, new StagedUpload(path, filename ?? '', mimeType ?? '', size, stream.truncated));
      });
      written.catch(() => undefined); // awaited below unless the request failed first
      writes.push(written);
      stream.on('error', (error: Error) => {
        out.destroy(error);
        fail(`The multipart body is not valid: ${error.message}`);
      });
    });
    parser.on('filesLimit', () => fail('A request may carry one file'));
    parser.on('fieldsLimit', () => fail('The multipart body has too many fields'));
    parser.on('partsLimit', () => fail('The multipart body has too many parts'));
    parser.on('error', (error: Error) => fail(`The multipart body is not valid: ${error.message}`));
    parser.on('finish', () => {
      if (!failed) resolve();
    });
    req.on('aborted', () => fail('The upload was cut off'));
    req.pipe(parser);
  });
  try {
    await Promise.all(writes);
  } catch {
    throw badRequest('The upload could not be received');
  }
  return toParams(fields, uploads);
}

/** The operation of a multipart request, with each mapped file put in its place. */
function toParams(fields: Map<string, string>, uploads: Map<string, StagedUpload>): GraphQLParams {
  const operationsText = fields.get('operations');
  if (!operationsText) throw badRequest('Missing multipart form field "operations"');
  let operations: GraphQLParams;
  let map: Record<string, string[]>;
  try {
    operations = JSON.parse(operationsText) as GraphQLParams;
    map = JSON.parse(fields.get('map') ?? '{}') as Record<string, string[]>;
  } catch {
    throw badRequest('Multipart form fields "operations" and "map" must be JSON');
  }
  if (typeof operations !== 'object' || operations === null || Array.isArray(operations)) {
    throw badRequest('Multipart form field "operations" must be one operation');
  }
  if (typeof map !== 'object' || map === null) throw badRequest('Multipart form field "map" must be an object');
  for (const [name, paths] of Object.entries(map)) {
    const upload = uploads.get(name);
    if (!upload) throw badRequest(`The file "${name}" named in "map" is missing from the request`);
    if (!Array.isArray(paths)) throw badRequest('Multipart form field "map" must list paths');
    for (const path of paths) setPath(operations, String(path), upload);
  }
  return operations;
}

function setPath(target: object, path: string, value: unknown): void {
  const keys = path.split('.');
  if (keys[0] !== 'variables' || keys.some((k) => k === '__proto__' || k === 'constructor' || k === 'prototype')) {
    throw badRequest(`The path "${path}" in "map" does not name a variable`);
  }
  let current = target as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) {
    if (typeof current[key] !== 'object' || current[key] === null) current[key] = {};
    current = current[key] as Record<string, unknown>;
  }
  current[keys.at(-1)!] = value;
}
