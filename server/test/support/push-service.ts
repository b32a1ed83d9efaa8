import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, verify, type ECDH } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A Web Push service for tests, on loopback: it takes the pushes a server sends to its endpoints,
 * checks their VAPID signature, and decrypts their aes128gcm payload (RFC 8188, RFC 8291) with the
 * subscription's private key, as a browser would.
 */

export interface ReceivedPush {
  endpointId: string;
  /** The decrypted payload, parsed. */
  payload: any;
  headers: IncomingMessage['headers'];
  /** The VAPID public key the request was signed with (`k=`). */
  vapidKey: string;
}

/** A browser's subscription: its endpoint, keys (as PushSubscription.toJSON()), and private key. */
export interface TestSubscription {
  id: string;
  endpoint: string;
  keys: { p256dh: string; auth: string };
  ecdh: ECDH;
  authSecret: Buffer;
}

const info = (type: string) => Buffer.from(`Content-Encoding: ${type}\0`);

/** Decrypts an aes128gcm body (one record) for the subscription's private key and auth secret. */
export function decryptPush(body: Buffer, ecdh: ECDH, authSecret: Buffer): Buffer {
  const salt = body.subarray(0, 16);
  const recordSize = body.readUInt32BE(16);
  const idLength = body[20]!;
  const senderKey = body.subarray(21, 21 + idLength);
  const ciphertext = body.subarray(21 + idLength);
  if (ciphertext.length > recordSize) throw new Error('more than one record');
  const shared = ecdh.computeSecret(senderKey);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), ecdh.getPublicKey(), senderKey]);
  const ikm = Buffer.from(hkdfSync('sha256', shared, authSecret, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, info('aes128gcm'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, info('nonce'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
  // The last record ends with 0x02, then zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('not a last record');
  return padded.subarray(0, end);
}

/** Checks `Authorization: vapid t=<JWT>, k=<key>`: an ES256 JWT for the endpoint's origin. */
function checkVapid(header: string | undefined, origin: string): string {
  const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? '');
  if (!match) throw new Error(`no VAPID authorization: ${header}`);
  const [, jwt, k] = match as unknown as [string, string, string];
  const [head, claims, signature] = jwt.split('.') as [string, string, string];
  const point = Buffer.from(k, 'base64url');
  const key = createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33, 65).toString('base64url'),
    },
    format: 'jwk',
  });
  const valid = verify(
    'sha256',
    Buffer.from(`${head}.${claims}`),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  if (!valid) throw new Error('bad VAPID signature');
  const { aud, exp } = JSON.parse(Buffer.from(claims, 'base64url').toString()) as { aud: string; exp: number };
  if (aud !== origin) throw new Error(`VAPID aud ${aud} is not ${origin}`);
  if (exp * 1000 < Date.now()) throw new Error('VAPID token expired');
  return k;
}

export interface PushService {
  url: string;
  received: ReceivedPush[];
  /** Requests that could not be decrypted or verified. */
  failures: string[];
  /** How many requests each endpoint got (answered or not). */
  hits: Map<string, number>;
  /** A new subscription; `answer(n)` is the status its n-th request (1, 2 …) gets (default 201). */
  subscription(answer?: (attempt: number) => number): TestSubscription;
  close(): Promise<void>;
}

export async function startPushService(): Promise<PushService> {
  const subscriptions = new Map<string, { sub: TestSubscription; answer: (attempt: number) => number }>();
  const received: ReceivedPush[] = [];
  const failures: string[] = [];
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const id = (req.url ?? '').replace(/^\/push\//, '');
      const entry = subscriptions.get(id);
      if (!entry) return void res.writeHead(404).end();
      const attempt = (hits.get(id) ?? 0) + 1;
      hits.set(id, attempt);
      const status = entry.answer(attempt);
      if (status >= 200 && status < 300) {
        try {
          if (req.headers['content-encoding'] !== 'aes128gcm') throw new Error('not aes128gcm');
          const vapidKey = checkVapid(req.headers.authorization, url);
          const plain = decryptPush(Buffer.concat(chunks), entry.sub.ecdh, entry.sub.authSecret);
          received.push({
            endpointId: id,
            payload: JSON.parse(plain.toString('utf8')),
            headers: req.headers,
            vapidKey,
          });
        } catch (error) {
          failures.push((error as Error).message);
          return void res.writeHead(400).end();
        }
      }
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    failures,
    hits,
    subscription(answer = () => 201) {
      const id = randomBytes(8).toString('hex');
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const authSecret = randomBytes(16);
      const sub: TestSubscription = {
        id,
        endpoint: `${url}/push/${id}`,
        keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: authSecret.toString('base64url') },
        ecdh,
        authSecret,
      };
      subscriptions.set(id, { sub, answer });
      return sub;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
