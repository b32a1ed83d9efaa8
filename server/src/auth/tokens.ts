import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import jwt from 'jsonwebtoken';
import type { Config } from '../config.js';
import { unauthenticated } from '../errors.js';
import type { Logger } from '../infra/logger.js';

/**
 * Access tokens: short-lived JWTs signed with HS256 (one shared secret for every replica; no key
 * distribution to run). Verification pins the algorithm and checks issuer, audience and expiry.
 */
export interface AccessClaims {
  userId: string;
  sessionId: string;
  /** ms since epoch */
  expiresAt: number;
}

const ALGORITHM = 'HS256';
/** Tokens verified lately, with their claims: a client sends the same token for many requests. */
const VERIFIED_CACHE_SIZE = 10_000;

export class AccessTokens {
  /** A secret key object, so verification does not first try the secret as a public key. */
  private readonly secret: KeyObject;
  /** Claims of tokens that passed `jwt.verify`, until they expire (a hit skips the HMAC and the JSON). */
  private readonly verified = new Map<string, AccessClaims>();

  constructor(
    secret: string,
    private readonly options: Config['jwt'],
  ) {
    this.secret = createSecretKey(Buffer.from(secret, 'utf8'));
  }

  sign(userId: string, sessionId: string, now = Date.now()): { token: string; expiresAt: Date } {
    const iat = Math.floor(now / 1000);
    const exp = iat + Math.max(1, Math.round(this.options.accessTokenTtlMs / 1000));
    const token = jwt.sign({ sid: sessionId, iat, exp }, this.secret, {
      algorithm: ALGORITHM,
      subject: userId,
      issuer: this.options.issuer,
      audience: this.options.audience,
    });
    return { token, expiresAt: new Date(exp * 1000) };
  }

  /** The claims of a valid token; UNAUTHENTICATED for anything else (expired, forged, wrong audience…). */
  verify(token: string): AccessClaims {
    const known = this.verified.get(token);
    if (known && known.expiresAt > Date.now()) return known;
    if (known) this.verified.delete(token);
    const claims = this.verifySigned(token);
    if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.clear();
    this.verified.set(token, claims);
    return claims;
  }

  private verifySigned(token: string): AccessClaims {
    let payload: jwt.JwtPayload;
    try {
      payload = jwt.verify(token, this.secret, {
        algorithms: [ALGORITHM],
        issuer: this.options.issuer,
        audience: this.options.audience,
        complete: false,
      }) as jwt.JwtPayload;
    } catch (error) {
      throw unauthenticated(error instanceof jwt.TokenExpiredError ? 'Access token expired' : 'Invalid access token');
    }
    if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string' || typeof payload.exp !== 'number') {
      throw unauthenticated('Invalid access token');
    }
    return { userId: payload.sub, sessionId: payload.sid, expiresAt: payload.exp * 1000 };
  }
}

/**
 * The signing secret: JWT_SECRET when set (required in production); otherwise one generated on
 * first start and kept in DATA_DIR, so sessions survive a restart of the embedded server.
 */
export async function resolveJwtSecret(config: Config, log: Logger): Promise<string> {
  if (config.jwt.secret) return config.jwt.secret;
  const dir = resolve(config.dataDir);
  const file = join(dir, 'jwt-secret');
  try {
    const stored = (await readFile(file, 'utf8')).trim();
    if (stored.length >= 32) return stored;
  } catch {
    /* first start */
  }
  await mkdir(dir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  if (config.databaseUrl) {
    log.warn(
      'JWT_SECRET is not set: generated one in DATA_DIR; replicas must share one, so set JWT_SECRET when scaling out',
    );
  } else {
    log.info({ file }, 'generated a token signing secret');
  }
  return secret;
}
