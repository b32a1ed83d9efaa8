import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { AppError, conflict, unauthenticated } from '../errors.js';
import { Prisma, type PrismaClient, type User } from '../generated/prisma/client.js';
import type { Logger } from '../infra/logger.js';
import type { Limiter } from '../infra/rate-limit.js';
import type { Passwords } from './passwords.js';
import type { AccessTokens } from './tokens.js';
import { USERNAME, validDisplayName, validPassword, validUsername } from './validation.js';

/** What a successful sign-in returns: a short-lived access token and a one-time refresh token. */
export interface AuthResult {
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
  user: User;
}

/** Where a request comes from; recorded on the session and used by rate limits. */
export interface ClientInfo {
  address: string;
  userAgent?: string | null;
}

export interface AccountsDeps {
  prisma: PrismaClient;
  passwords: Passwords;
  tokens: AccessTokens;
  refreshTokenTtlMs: number;
  /** Failed sign-ins, per username and per client address. */
  loginFailures: { perUser: Limiter; perAddress: Limiter };
  log: Logger;
}

const INVALID_CREDENTIALS = 'Invalid username or password';
const INVALID_REFRESH = 'Invalid or expired refresh token';

const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');
const usernameKey = (username: string) => username.toLowerCase();

/** A refresh token is "<session id>.<random>": the id finds the family, the hash proves the token. */
function parseRefreshToken(token: string): string | null {
  const match = /^([0-9a-f-]{36})\.([\w-]{43})$/.exec(token);
  return match ? match[1]! : null;
}

/**
 * Accounts and sessions: registration, sign-in, refresh-token rotation with reuse detection,
 * sign-out and password change. Each sign-in is a session (a refresh-token family); refreshing
 * rotates its token; presenting a spent token revokes the family, since only a thief would have it.
 */
export class Accounts {
  constructor(private readonly deps: AccountsDeps) {}

  async register(
    input: { username: string; password: string; displayName?: string | null },
    client: ClientInfo,
  ): Promise<AuthResult> {
    const username = validUsername(input.username);
    const password = validPassword(input.password);
    const displayName = validDisplayName(input.displayName);
    const passwordHash = await this.deps.passwords.hash(password);
    let user: User;
    try {
      user = await this.deps.prisma.user.create({
        data: { id: randomUUID(), username, usernameKey: usernameKey(username), displayName, passwordHash },
      });
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        throw conflict('Username is taken', 'username');
      }
      throw error;
    }
    this.deps.log.info({ userId: user.id }, 'user registered');
    return this.startSession(user, client);
  }

  async login(input: { username: string; password: string }, client: ClientInfo): Promise<AuthResult> {
    const { perUser, perAddress } = this.deps.loginFailures;
    const key = usernameKey(input.username);
    await Promise.all([perUser.assertAllowed(key), perAddress.assertAllowed(client.address)]);
    const user = USERNAME.test(input.username)
      ? await this.deps.prisma.user.findUnique({ where: { usernameKey: key } })
      : null;
    // Unknown users are checked against a decoy hash: same time, same message.
    const ok = await this.deps.passwords.verify(user?.passwordHash ?? null, input.password);
    if (!ok || !user) {
      await Promise.all([perUser.penalize(key), perAddress.penalize(client.address)]);
      this.deps.log.info({ address: client.address }, 'sign-in refused');
      throw unauthenticated(INVALID_CREDENTIALS);
    }
    await perUser.reset(key);
    if (this.deps.passwords.needsRehash(user.passwordHash)) {
      const passwordHash = await this.deps.passwords.hash(input.password);
      await this.deps.prisma.user.update({ where: { id: user.id }, data: { passwordHash } });
    }
    return this.startSession(user, client);
  }

  /** Rotates a refresh token: the old one is spent, a new one and a new access token are returned. */
  async refresh(refreshToken: string, client: ClientInfo): Promise<AuthResult> {
    const sessionId = parseRefreshToken(refreshToken);
    if (!sessionId) throw unauthenticated(INVALID_REFRESH);
    const next = this.newRefreshToken(sessionId);
    const expiresAt = new Date(Date.now() + this.deps.refreshTokenTtlMs);
    // One atomic compare-and-swap: of two refreshes with the same token only one can win.
    const rotated = await this.deps.prisma.session.updateMany({
      where: { id: sessionId, tokenHash: hashToken(refreshToken), revokedAt: null, expiresAt: { gt: new Date() } },
      data: {
        tokenHash: hashToken(next),
        generation: { increment: 1 },
        lastUsedAt: new Date(),
        expiresAt,
        userAgent: client.userAgent ?? undefined,
      },
    });
    if (rotated.count === 1) {
      const session = await this.deps.prisma.session.findUniqueOrThrow({
        where: { id: sessionId },
        include: { user: true },
      });
      return this.payload(session.user, sessionId, next, expiresAt);
    }
    const session = await this.deps.prisma.session.findUnique({ where: { id: sessionId } });
    if (session && !session.revokedAt && session.expiresAt > new Date()) {
      // A live family, but not its current token: a spent token came back. Revoke the family.
      await this.revokeFamily(sessionId, 'refresh token reused');
      this.deps.log.warn({ userId: session.userId, sessionId }, 'refresh token reused: session revoked');
    }
    throw unauthenticated(INVALID_REFRESH);
  }

  /** Ends the session of `refreshToken`, or every session of its user with `allSessions`. */
  async logout(refreshToken: string, allSessions: boolean): Promise<boolean> {
    const sessionId = parseRefreshToken(refreshToken);
    const session = sessionId ? await this.deps.prisma.session.findUnique({ where: { id: sessionId } }) : null;
    if (!session) throw unauthenticated(INVALID_REFRESH);
    if (session.tokenHash !== hashToken(refreshToken) && !session.revokedAt) {
      await this.revokeFamily(session.id, 'refresh token reused');
      throw unauthenticated(INVALID_REFRESH);
    }
    if (allSessions) {
      await this.deps.prisma.session.updateMany({
        where: { userId: session.userId, revokedAt: null },
        data: { revokedAt: new Date(), revokedReason: 'signed out everywhere' },
      });
    } else {
      await this.revokeFamily(session.id, 'signed out');
    }
    return true;
  }

  /** Changes the password, ends every session of the user, and starts a fresh one for the caller. */
  async changePassword(
    userId: string,
    input: { currentPassword: string; newPassword: string },
    client: ClientInfo,
  ): Promise<AuthResult> {
    const user = await this.deps.prisma.user.findUnique({ where: { id: userId } });
    if (!user) throw unauthenticated();
    const { perUser } = this.deps.loginFailures;
    await perUser.assertAllowed(user.usernameKey);
    if (!(await this.deps.passwords.verify(user.passwordHash, input.currentPassword))) {
      await perUser.penalize(user.usernameKey);
      throw new AppError('BAD_USER_INPUT', 'currentPassword is not correct', { field: 'currentPassword' });
    }
    const newPassword = validPassword(input.newPassword, 'newPassword');
    const passwordHash = await this.deps.passwords.hash(newPassword);
    const [updated] = await this.deps.prisma.$transaction([
      this.deps.prisma.user.update({ where: { id: user.id }, data: { passwordHash } }),
      this.deps.prisma.session.updateMany({
        where: { userId: user.id, revokedAt: null },
        data: { revokedAt: new Date(), revokedReason: 'password changed' },
      }),
    ]);
    this.deps.log.info({ userId: user.id }, 'password changed; sessions revoked');
    return this.startSession(updated, client);
  }

  private async startSession(user: User, client: ClientInfo): Promise<AuthResult> {
    const sessionId = randomUUID();
    const refreshToken = this.newRefreshToken(sessionId);
    const expiresAt = new Date(Date.now() + this.deps.refreshTokenTtlMs);
    await this.deps.prisma.session.create({
      data: {
        id: sessionId,
        userId: user.id,
        tokenHash: hashToken(refreshToken),
        expiresAt,
        userAgent: client.userAgent?.slice(0, 256) ?? null,
      },
    });
    return this.payload(user, sessionId, refreshToken, expiresAt);
  }

  private payload(user: User, sessionId: string, refreshToken: string, refreshTokenExpiresAt: Date): AuthResult {
    const access = this.deps.tokens.sign(user.id, sessionId);
    return {
      accessToken: access.token,
      accessTokenExpiresAt: access.expiresAt,
      refreshToken,
      refreshTokenExpiresAt,
      user,
    };
  }

  private newRefreshToken(sessionId: string): string {
    return `${sessionId}.${randomBytes(32).toString('base64url')}`;
  }

  private async revokeFamily(sessionId: string, reason: string) {
    await this.deps.prisma.session.updateMany({
      where: { id: sessionId, revokedAt: null },
      data: { revokedAt: new Date(), revokedReason: reason },
    });
  }
}
