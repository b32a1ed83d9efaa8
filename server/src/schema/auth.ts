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
    accessTokenExpiresAt: t.expose('accessTokenExpiresAt', { type: 'DateTime' }),
    refreshToken: t.exposeString('refreshToken', {
      description: 'One-time use: `refreshToken` returns a new one. Reusing a spent one ends the session.',
    }),
    refreshTokenExpiresAt: t.expose('refreshTokenExpiresAt', { type: 'DateTime' }),
    user: t.field({ type: UserRef, resolve: (result) => result.user }),
  }),
});

const setCookie = {
  required: false,
  defaultValue: false,
  description: 'Also set the refresh token as an HttpOnly, SameSite=Strict cookie (for browser apps).',
} as const;

const RegisterInput = builder.inputType('RegisterInput', {
  fields: (t) => ({
    username: t.string({ description: '3–32 characters: letters, digits, "_", "." and "-". Unique in any case.' }),
    password: t.string({ description: '8–256 characters.' }),
    displayName: t.string({ required: false }),
    setCookie: t.boolean(setCookie),
  }),
});

const LoginInput = builder.inputType('LoginInput', {
  fields: (t) => ({
    username: t.string(),
    password: t.string(),
    setCookie: t.boolean(setCookie),
  }),
});

const RefreshTokenInput = builder.inputType('RefreshTokenInput', {
  fields: (t) => ({
    refreshToken: t.string({ required: false, description: 'Omit to use the refresh cookie.' }),
    setCookie: t.boolean(setCookie),
  }),
});

const LogoutInput = builder.inputType('LogoutInput', {
  fields: (t) => ({
    refreshToken: t.string({ required: false, description: 'Omit to use the refresh cookie.' }),
    allSessions: t.boolean({ required: false, defaultValue: false, description: 'End every session of the user.' }),
  }),
});

const ChangePasswordInput = builder.inputType('ChangePasswordInput', {
  fields: (t) => ({
    currentPassword: t.string(),
    newPassword: t.string(),
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
    args: { input: t.arg({ type: RegisterInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      await ctx.services.limits.consume('register', { address: ctx.clientAddress });
      return issued(ctx, await ctx.services.accounts.register(input, clientOf(ctx)), input.setCookie);
    },
  }),
  login: t.field({
    type: AuthPayload,
    args: { input: t.arg({ type: LoginInput, required: true }) },
    resolve: async (_root, { input }, ctx) =>
      issued(ctx, await ctx.services.accounts.login(input, clientOf(ctx)), input.setCookie),
  }),
  refreshToken: t.field({
    type: AuthPayload,
    args: { input: t.arg({ type: RefreshTokenInput, required: true }) },
    resolve: async (_root, { input }, ctx) =>
      issued(
        ctx,
        await ctx.services.accounts.refresh(refreshTokenOf(ctx, input.refreshToken), clientOf(ctx)),
        input.setCookie || (!input.refreshToken && !!ctx.http?.cookie),
      ),
  }),
  logout: t.boolean({
    args: { input: t.arg({ type: LogoutInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const ok = await ctx.services.accounts.logout(refreshTokenOf(ctx, input.refreshToken), !!input.allSessions);
      ctx.http?.setCookies.push(refreshCookie(null, null, ctx.services.config.production));
      return ok;
    },
  }),
  changePassword: t.field({
    type: AuthPayload,
    args: { input: t.arg({ type: ChangePasswordInput, required: true }) },
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
