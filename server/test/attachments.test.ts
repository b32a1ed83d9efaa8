import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepUnsent } from '../src/chat/attachments.js';
import { chatClient } from './support/chat.js';
import { createDataDir, freshDatabaseEnv } from './support/databases.js';
import { startLocalS3 } from './support/s3.js';
import { startServer, type TestServer } from './support/server.js';
import { registerUser, type Session } from './support/users.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const MAX_BYTES = 256 * 1024;
const ATTACHMENT_FIELDS = 'id filename contentType size width height url thumbnailUrl createdAt';
const UPLOAD = `mutation ($input: UploadAttachmentInput!) { uploadAttachment(input: $input) { ${ATTACHMENT_FIELDS} } }`;
const SEND = `mutation ($i: SendMessageInput!) { sendMessage(input: $i) { id body attachments { ${ATTACHMENT_FIELDS} } } }`;

interface Upload {
  bytes: Buffer;
  filename: string;
  type?: string;
}

/** A GraphQL multipart request (the spec's operations, map, file), as browsers and curl -F send it. */
async function upload(server: TestServer, token: string | undefined, roomId: string, file: Upload, headers = {}) {
  const form = new FormData();
  form.set('operations', JSON.stringify({ query: UPLOAD, variables: { input: { roomId, file: null } } }));
  form.set('map', JSON.stringify({ 0: ['variables.input.file'] }));
  form.set('0', new Blob([new Uint8Array(file.bytes)], { type: file.type ?? '' }), file.filename);
  const response = await fetch(server.graphqlUrl, {
    method: 'POST',
    headers: { 'x-graphql-csrf': '1', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: form,
  });
  return { status: response.status, ...((await response.json()) as { data?: any; errors?: any[] }) };
}

/** A raw multipart body, for bodies no FormData would make. */
async function rawMultipart(server: TestServer, token: string, body: string) {
  const response = await fetch(server.graphqlUrl, {
    method: 'POST',
    headers: {
      'x-graphql-csrf': '1',
      authorization: `Bearer ${token}`,
      'content-type': 'multipart/form-data; boundary=XX',
    },
    body,
  });
  return { status: response.status, ...((await response.json()) as { errors?: any[] }) };
}

const png = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#3366cc' } })
    .png()
    .toBuffer();
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

/** A small PNG whose header claims `width`×`height`: a decompression bomb's shape. */
async function pngClaiming(width: number, height: number): Promise<Buffer> {
  const file = Buffer.from(await png(8, 8));
  const ihdr = 8 + 8; // signature, then the IHDR chunk's length and type
  file.writeUInt32BE(width, ihdr);
  file.writeUInt32BE(height, ihdr + 4);
  file.writeUInt32BE(crc32(file.subarray(ihdr - 4, ihdr + 13)), ihdr + 13);
  return file;
}

const expectRefused = (result: { errors?: any[] }, code: string, field?: string) => {
  expect(result.errors?.[0]?.extensions?.code, JSON.stringify(result.errors)).toBe(code);
  if (field) expect(result.errors?.[0]?.extensions?.field).toBe(field);
};

const stores = [
  { kind: 'local', env: async () => ({}) },
  { kind: 's3', env: async () => (await startLocalS3(cleanups)).env },
] as const;

describe.each(stores)('attachments on the $kind store', ({ kind, env }) => {
  let server: TestServer;
  let alice: Session;
  let bob: Session;
  let roomId: string;
  let stagingDir: string;
  let objects: () => Promise<string[]>;
  const staged = async () => (await readdir(stagingDir)).filter((f) => f.startsWith('chat-upload-'));

  beforeAll(async () => {
    const data = await createDataDir();
    cleanups.push(data.remove);
    stagingDir = await mkdtemp(join(tmpdir(), 'chat-staging-'));
    cleanups.push(() => rm(stagingDir, { recursive: true, force: true }));
    const storeEnv: Record<string, string> = await env();
    server = await startServer({
      ...(await freshDatabaseEnv(cleanups)),
      DATA_DIR: data.dir,
      UPLOAD_TMP_DIR: stagingDir,
      MAX_ATTACHMENT_BYTES: String(MAX_BYTES),
      MAX_IMAGE_PIXELS: '4000000',
      ...storeEnv,
    });
    cleanups.push(server.stop);
    if (kind === 'local') {
      objects = async () =>
        (await readdir(join(data.dir, 'attachments'), { recursive: true, withFileTypes: true }).catch(() => []))
          .filter((e) => e.isFile())
          .map((e) => e.name)
          .sort();
    } else {
      const { S3_URL } = storeEnv;
      objects = async () => {
        // The bucket's listing, through the S3 API itself.
        const listing = await (await fetch(`${S3_URL}/chat?list-type=2`)).text();
        return [...listing.matchAll(/<Key>attachments\/([0-9a-f]+)<\/Key>/g)].map((m) => m[1]!).sort();
      };
    }
    alice = await registerUser(server.url);
    bob = await registerUser(server.url);
    const created = await chatClient(server.url, alice.accessToken).createRoom(
      `files ${kind} ${Date.now()}`,
      'PRIVATE',
    );
    roomId = created.data!.createRoom.id;
  });

  const send = (token: string, input: Record<string, unknown>) =>
    chatClient(server.url, token).call(SEND, { i: input });

  it('uploads an image: sniffed, measured, thumbnailed; sent with an empty body; downloaded inline', async () => {
    const image = await png(1200, 800);
    const up = await upload(server, alice.accessToken, roomId, {
      bytes: image,
      filename: 'screen shot.png',
      type: 'image/png',
    });
    expect(up.errors).toBeUndefined();
    const attachment = up.data.uploadAttachment;
    expect(attachment).toMatchObject({
      filename: 'screen shot.png',
      contentType: 'image/png',
      size: image.length,
      width: 1200,
      height: 800,
    });
    expect(await staged()).toEqual([]);

    const sent = await send(alice.accessToken, { roomId, body: '', attachmentIds: [attachment.id] });
    expect(sent.errors).toBeUndefined();
    expect(sent.data!.sendMessage.body).toBe('');
    expect(sent.data!.sendMessage.attachments.map((a: any) => a.id)).toEqual([attachment.id]);

    const file = await fetch(new URL(attachment.url, server.url));
    expect(file.status).toBe(200);
    expect(Buffer.from(await file.arrayBuffer()).equals(image)).toBe(true);
    expect(file.headers.get('content-type')).toBe('image/png');
    expect(file.headers.get('content-disposition')).toMatch(/^inline; /);
    if (kind === 'local') expect(file.headers.get('x-content-type-options')).toBe('nosniff');

    const thumbnail = await fetch(new URL(attachment.thumbnailUrl, server.url));
    expect(thumbnail.status).toBe(200);
    const meta = await sharp(Buffer.from(await thumbnail.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 320, 213]);
  });

  it('serves other files as downloads, with their sniffed type, to readers only', async () => {
    const up = await upload(server, alice.accessToken, roomId, {
      bytes: PDF,
      filename: 'report.pdf',
      type: 'application/pdf',
    });
    const attachment = up.data.uploadAttachment;
    expect(attachment).toMatchObject({ contentType: 'application/pdf', width: null, height: null, thumbnailUrl: null });
    const sent = await send(alice.accessToken, { roomId, body: 'the report', attachmentIds: [attachment.id] });
    const file = await fetch(new URL(sent.data!.sendMessage.attachments[0].url, server.url));
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('application/pdf');
    expect(file.headers.get('content-disposition')).toBe(
      `attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`,
    );
    if (kind === 'local') expect(file.headers.get('x-content-type-options')).toBe('nosniff');
    // Bob is not a member of the private room: no message, so no URL.
    const read = await chatClient(server.url, bob.accessToken).call(
      'query ($r: ID!) { messages(roomId: $r) { edges { node { attachments { url } } } } }',
      { r: roomId },
    );
    expectRefused(read, 'FORBIDDEN');
    const node = await chatClient(server.url, bob.accessToken).call('query ($id: ID!) { node(id: $id) { id } }', {
      id: attachment.id,
    });
    expect(node.data?.node).toBeNull();
  });

  it('treats HTML and SVG as downloads of text, never inline', async () => {
    for (const [filename, bytes] of [
      ['page.html', '<!doctype html><script>alert(1)</script>'],
      ['logo.svg', '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'],
    ] as const) {
      const up = await upload(server, alice.accessToken, roomId, { bytes: Buffer.from(bytes), filename });
      expect(up.errors).toBeUndefined();
      const attachment = up.data.uploadAttachment;
      expect(attachment.contentType).not.toMatch(/html|svg/);
      const sent = await send(alice.accessToken, { roomId, body: '', attachmentIds: [attachment.id] });
      const file = await fetch(new URL(sent.data!.sendMessage.attachments[0].url, server.url));
      expect(file.headers.get('content-disposition')).toMatch(/^attachment; /);
    }
  });

  it('refuses bad files with a clear error and keeps nothing', async () => {
    const before = await objects();
    const cases: [Upload, string][] = [
      [{ bytes: Buffer.alloc(MAX_BYTES + 1, 1), filename: 'big.bin' }, 'larger than'],
      [{ bytes: Buffer.alloc(0), filename: 'empty.txt' }, 'is empty'],
      [{ bytes: PDF, filename: 'fake.png', type: 'image/png' }, 'not image/png as declared'],
      [{ bytes: await png(10, 10), filename: 'x.jpg', type: 'image/jpeg' }, 'not image/jpeg as declared'],
      [{ bytes: Buffer.from('just text'), filename: 'x.png', type: 'image/png' }, 'not image/png as declared'],
      [{ bytes: PDF, filename: 'a/b.pdf' }, 'must not contain "/"'],
      [{ bytes: PDF, filename: 'a\\b.pdf' }, 'must not contain "/"'],
      [{ bytes: PDF, filename: 'a\u0007b.pdf' }, 'control characters'],
      [{ bytes: await pngClaiming(60_000, 60_000), filename: 'bomb.png', type: 'image/png' }, 'too many pixels'],
      [{ bytes: await png(2500, 2000), filename: 'huge.png', type: 'image/png' }, 'too many pixels'],
    ];
    for (const [file, message] of cases) {
      const result = await upload(server, alice.accessToken, roomId, file);
      expect(result.errors, `${file.filename}: ${JSON.stringify(result)}`).toBeDefined();
      expectRefused(result, 'BAD_USER_INPUT', 'file');
      expect(result.errors![0].message).toContain(message);
    }
    expect(await objects()).toEqual(before);
    expect(await staged()).toEqual([]);
  });

  it('refuses uploads from guests, non-members and requests a cross-site form could send', async () => {
    const file = { bytes: PDF, filename: 'r.pdf' };
    expectRefused(await upload(server, undefined, roomId, file), 'UNAUTHENTICATED');
    expectRefused(await upload(server, bob.accessToken, roomId, file), 'FORBIDDEN');
    const form = new FormData();
    form.set('operations', JSON.stringify({ query: UPLOAD, variables: { input: { roomId, file: null } } }));
    form.set('map', JSON.stringify({ 0: ['variables.input.file'] }));
    form.set('0', new Blob([new Uint8Array(PDF)]), 'r.pdf');
    const noHeader = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.accessToken}` },
      body: form,
    });
    expect(noHeader.status).toBe(403);
    expect(await staged()).toEqual([]);
  });

  it('refuses broken multipart bodies with 400 and keeps nothing', async () => {
    const before = await objects();
    const operations = JSON.stringify({ query: UPLOAD, variables: { input: { roomId, file: null } } });
    const part = (name: string, value: string, filename?: string) =>
      `--XX\r\nContent-Disposition: form-data; name="${name}"${filename ? `; filename="${filename}"` : ''}\r\n` +
      `${filename ? 'Content-Type: application/pdf\r\n' : ''}\r\n${value}\r\n`;
    const noFile = await rawMultipart(
      server,
      alice.accessToken,
      part('operations', operations) + part('map', '{"0":["variables.input.file"]}') + '--XX--\r\n',
    );
    expect(noFile.status).toBe(400);
    expect(noFile.errors![0].message).toContain('missing');
    const truncated = await rawMultipart(
      server,
      alice.accessToken,
      part('operations', operations) +
        part('map', '{"0":["variables.input.file"]}') +
        '--XX\r\nContent-Disposition: form-data; name="0"; filename="r.pdf"\r\n\r\n%PDF-1.4 and then noth',
    );
    expect(truncated.status).toBe(400);
    expect(truncated.errors![0].extensions.code).toBe('BAD_USER_INPUT');
    const notAFile = await chatClient(server.url, alice.accessToken).call(UPLOAD, { input: { roomId, file: 'x' } });
    expectRefused(notAFile, 'BAD_USER_INPUT');
    expect(await objects()).toEqual(before);
    expect(await staged()).toEqual([]);
  });

  it('sends only the uploader\u2019s unsent uploads of the room, at most 10, and stays idempotent', async () => {
    const up = async (session = alice, room = roomId) =>
      (await upload(server, session.accessToken, room, { bytes: PDF, filename: 'r.pdf' })).data.uploadAttachment
        .id as string;
    const mine = await up();
    // Idempotent: the retry returns the first message, with its attachment.
    const first = await send(alice.accessToken, {
      roomId,
      body: 'x',
      clientMessageId: `k-${kind}`,
      attachmentIds: [mine],
    });
    const retry = await send(alice.accessToken, {
      roomId,
      body: 'x',
      clientMessageId: `k-${kind}`,
      attachmentIds: [mine],
    });
    expect(retry.data!.sendMessage.id).toBe(first.data!.sendMessage.id);
    expect(retry.data!.sendMessage.attachments).toHaveLength(1);
    // Already sent.
    expectRefused(
      await send(alice.accessToken, { roomId, body: 'again', attachmentIds: [mine] }),
      'BAD_USER_INPUT',
      'attachmentIds',
    );
    // Another user's upload: FORBIDDEN, and nothing is stored (the room's seq does not move).
    const client = chatClient(server.url, alice.accessToken);
    await client.invite(roomId, bob.user.username);
    await chatClient(server.url, bob.accessToken).joinRoom({ roomId });
    const bobs = await up(bob);
    const lastSeq = (await client.room(roomId)).data!.room.lastSeq;
    expectRefused(
      await send(alice.accessToken, { roomId, body: 'hi', attachmentIds: [bobs] }),
      'FORBIDDEN',
      'attachmentIds',
    );
    expect((await client.room(roomId)).data!.room.lastSeq).toBe(lastSeq);
    // Another room.
    const other = (await client.createRoom(`other ${kind} ${Date.now()}`)).data!.createRoom.id;
    const elsewhere = await up(alice, other);
    expectRefused(
      await send(alice.accessToken, { roomId, body: 'hi', attachmentIds: [elsewhere] }),
      'BAD_USER_INPUT',
      'attachmentIds',
    );
    // Too many, twice the same, and an empty body without attachments.
    const eleven = Array.from({ length: 11 }, () => elsewhere);
    expectRefused(
      await send(alice.accessToken, { roomId: other, body: 'hi', attachmentIds: eleven }),
      'BAD_USER_INPUT',
      'attachmentIds',
    );
    expectRefused(
      await send(alice.accessToken, { roomId: other, body: 'hi', attachmentIds: [elsewhere, elsewhere] }),
      'BAD_USER_INPUT',
      'attachmentIds',
    );
    expectRefused(
      await send(alice.accessToken, { roomId: other, body: ' ', attachmentIds: [] }),
      'BAD_USER_INPUT',
      'body',
    );
    // Ten is fine.
    const ten = await Promise.all(Array.from({ length: 10 }, () => up(alice, other)));
    const sent = await send(alice.accessToken, { roomId: other, body: '', attachmentIds: ten });
    expect(sent.data!.sendMessage.attachments.map((a: any) => a.id)).toEqual(ten);
  });

  it('hides a deleted message\u2019s attachments and refuses tampered links', async () => {
    const up = await upload(server, alice.accessToken, roomId, {
      bytes: await png(40, 30),
      filename: 'p.png',
      type: 'image/png',
    });
    const sent = await send(alice.accessToken, { roomId, body: 'pic', attachmentIds: [up.data.uploadAttachment.id] });
    const { url } = sent.data!.sendMessage.attachments[0];
    expect((await fetch(new URL(url, server.url))).status).toBe(200);
    if (kind === 'local') {
      const tampered = new URL(url, server.url);
      tampered.searchParams.set('disposition', 'attachment');
      expect((await fetch(tampered)).status).toBe(403);
      tampered.searchParams.set('signature', 'x');
      expect((await fetch(tampered)).status).toBe(403);
    }
    const removed = await chatClient(server.url, alice.accessToken).call(
      `mutation ($i: DeleteMessageInput!) { deleteMessage(input: $i) { attachments { id } } }`,
      { i: { messageId: sent.data!.sendMessage.id } },
    );
    expect(removed.data!.deleteMessage.attachments).toEqual([]);
    if (kind === 'local') expect((await fetch(new URL(url, server.url))).status).toBe(404);
  });

  it('sweeps unsent uploads once they are too old, on any number of replicas at once', async () => {
    const unsent = (
      await upload(server, alice.accessToken, roomId, {
        bytes: await png(50, 50),
        filename: 'u.png',
        type: 'image/png',
      })
    ).data.uploadAttachment;
    const sentUp = (await upload(server, alice.accessToken, roomId, { bytes: PDF, filename: 's.pdf' })).data
      .uploadAttachment;
    await send(alice.accessToken, { roomId, body: 'kept', attachmentIds: [sentUp.id] });
    const before = await objects();
    const services = server.app.services;
    const deps = (ttl: number) => ({
      prisma: services.db.prisma,
      store: services.store,
      settings: { ...services.config.attachments, unsentTtlMs: ttl },
    });
    // Not old enough yet: nothing goes.
    expect(await sweepUnsent(deps(3_600_000))).toBe(0);
    await new Promise((r) => setTimeout(r, 50));
    // Two sweeps together (two replicas): each unsent upload is removed once, the sent ones stay.
    const prisma = services.db.prisma;
    const unsentRows = await prisma.attachment.findMany({ where: { messageId: null } });
    const unsentKeys = unsentRows.flatMap((row) => [row.storageKey, row.thumbnailKey ?? []].flat());
    const removed = await Promise.all([sweepUnsent(deps(1)), sweepUnsent(deps(1))]);
    expect(removed[0] + removed[1]).toBe(unsentRows.length);
    expect(await prisma.attachment.count({ where: { messageId: null } })).toBe(0);
    expect(await objects()).toEqual(before.filter((key) => !unsentKeys.includes(key)));
    expectRefused(
      await send(alice.accessToken, { roomId, body: 'late', attachmentIds: [unsent.id] }),
      'NOT_FOUND',
      'attachmentIds',
    );
    const kept = await chatClient(server.url, alice.accessToken).call(
      'query ($r: ID!) { messages(roomId: $r, last: 1) { edges { node { attachments { id url } } } } }',
      { r: roomId },
    );
    const keptUrl = kept.data!.messages.edges[0].node.attachments[0].url;
    expect((await fetch(new URL(keptUrl, server.url))).status).toBe(200);
  });
});
