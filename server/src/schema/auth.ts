import type { AuthResult } from '../auth/accounts.js';
import { REFRESH_COOKIE, readCookie, refreshCookie } from '../auth/context.js';
import { unauthenticated } from '../errors.js';
import { builder } from './builder.js';
import type { Context } from './context.js';
import { UserRef } from './user.js';

const AuthPayload = builder.objectRef<AuthResult>('AuthPayload').implement({
  description: 'A signed-in session: send the access token as `Authorization: Bearer`; refresh before it expires.',
  fields: (t) => ({
    accessToken: t.exposeString('accessToken', { description: 'JWT, valid until accessTokenExpiresAt.' }),
    accessTokenExpiresAt: t.expose('accessTokenExpiresAt', {
      type: 'DateTime',
      description: 'When the access token stops working (15 minutes after issue by default).',
    }),
    refreshToken: t.exposeString('refreshToken', {
      description: 'One-time use: `refreshToken` returns a new one. Reusing a spent one ends the session.',
    }),
    refreshTokenExpiresAt: t.expose('refreshTokenExpiresAt', {
      type: 'DateTime',
      description: 'When the refresh token stops working unless used first (30 days after issue by default).',
    }),
    user: t.field({ type: UserRef, description: 'The signed-in user.', resolve: (result) => result.user }),
  }),
});

const setCookie = {
  required: false,
  defaultValue: false,
  description: 'Also set the refresh token as an HttpOnly, SameSite=Strict cookie (for browser apps).',
} as const;

const RegisterInput = builder.inputType('RegisterInput', {
  description: 'A new account; registering also signs in.',
  fields: (t) => ({
    username: t.string({ description: '3–32 characters: letters, digits, "_", "." and "-". Unique in any case.' }),
    password: t.string({ description: '8–256 characters.' }),
    displayName: t.string({
      required: false,
      description: 'The name to be shown with: at most 64 characters after trimming; empty or omitted means none.',
    }),
    setCookie: t.boolean(setCookie),
  }),
});

const LoginInput = builder.inputType('LoginInput', {
  description: 'Credentials to sign in with.',
  fields: (t) => ({
    username: t.string({ description: 'The username, in any case.' }),
    password: t.string({ description: 'The password, exactly as registered.' }),
    setCookie: t.boolean(setCookie),
  }),
});

const RefreshTokenInput = builder.inputType('RefreshTokenInput', {
  description: 'The refresh token to exchange for a new session pair.',
  fields: (t) => ({
    refreshToken: t.string({ required: false, description: 'Omit to use the refresh cookie.' }),
    setCookie: t.boolean(setCookie),
  }),
});

const LogoutInput = builder.inputType('LogoutInput', {
  description: 'The session to end, named by its current refresh token.',
  fields: (t) => ({
    refreshToken: t.string({ required: false, description: 'Omit to use the refresh cookie.' }),
    allSessions: t.boolean({ required: false, defaultValue: false, description: 'End every session of the user.' }),
  }),
});

const ChangePasswordInput = builder.inputType('ChangePasswordInput', {
  description: 'The viewer\u2019s current password and the one to replace it.',
  fields: (t) => ({
    currentPassword: t.string({
      description: 'The password now; a wrong one is BAD_USER_INPUT, and counts as a failed sign-in.',
    }),
    newPassword: t.string({ description: '8–256 characters.' }),
    setCookie: t.boolean(setCookie),
  }),
});

const clientOf = (ctx: Context) => ({ address: ctx.clientAddress, userAgent: ctx.userAgent });

function issued(ctx: Context, result: AuthResult, setCookie: boolean | null | undefined): AuthResult {
  if (setCookie && ctx.http) {
    ctx.http.setCookies.push(
      refreshCookie(result.refreshToken, result.refreshTokenExpiresAt, ctx.services.config.production),
    );
  }
  return result;
}

function refreshTokenOf(ctx: Context, given: string | null | undefined): string {
  const token = given ?? readCookie(ctx.http?.cookie, REFRESH_COOKIE);
  if (!token) throw unauthenticated('No refresh token given');
  return token;
}

builder.mutationFields((t) => ({
  register: t.field({
    type: AuthPayload,
    description:
      'Creates an account and signs it in. A taken username is CONFLICT; attempts are rate-limited per address.',
    args: { input: t.arg({ type: RegisterInput, required: true, description: 'The new account.' }) },
    resolve: async (_root, { input }, ctx) => {
      await ctx.services.limits.consume('register', { address: ctx.clientAddress });
      return issued(ctx, await ctx.services.accounts.register(input, clientOf(ctx)), input.setCookie);
    },
  }),
  login: t.field({
    type: AuthPayload,
    description:
      'Signs in, starting a new session. Wrong credentials are UNAUTHENTICATED; repeated failures are RATE_LIMITED.',
    args: { input: t.arg({ type: LoginInput, required: true, description: 'The credentials.' }) },
    resolve: async (_root, { input }, ctx) =>
      issued(ctx, await ctx.services.accounts.login(input, clientOf(ctx)), input.setCookie),
  }),
  refreshToken: t.field({
    type: AuthPayload,
    description:
      'Exchanges a refresh token for a new access token and a new refresh token; the one given is spent. A spent, expired or revoked token is UNAUTHENTICATED.',
    args: { input: t.arg({ type: RefreshTokenInput, required: true, description: 'The token to exchange.' }) },
    resolve: async (_root, { input }, ctx) =>
      issued(
        ctx,
        await ctx.services.accounts.refresh(refreshTokenOf(ctx, input.refreshToken), clientOf(ctx)),
        input.setCookie || (!input.refreshToken && !!ctx.http?.cookie),
      ),
  }),
  logout: t.boolean({
    description: 'Ends the session (or all the user\u2019s sessions) and clears the refresh cookie; true when done.',
    args: { input: t.arg({ type: LogoutInput, required: true, description: 'The session to end.' }) },
    resolve: async (_root, { input }, ctx) => {
      const ok = await ctx.services.accounts.logout(refreshTokenOf(ctx, input.refreshToken), !!input.allSessions);
      ctx.http?.setCookies.push(refreshCookie(null, null, ctx.services.config.production));
      return ok;
    },
  }),
  changePassword: t.field({
    type: AuthPayload,
    description:
      'Changes the viewer\u2019s password, ends every session of theirs (this one too) and returns a new one.',
    args: { input: t.arg({ type: ChangePasswordInput, required: true, description: 'The old and new passwords.' }) },
    resolve: async (_root, { input }, ctx) => {
      if (!ctx.viewer) throw unauthenticated();
      return issued(
        ctx,
        await ctx.services.accounts.changePassword(ctx.viewer.userId, input, clientOf(ctx)),
        input.setCookie,
      );
    },
  }),
}));
