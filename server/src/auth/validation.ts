import { badInput } from '../errors.js';

export const USERNAME = /^[a-zA-Z0-9_.-]{3,32}$/;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;
export const DISPLAY_NAME_MAX = 64;

export function validUsername(value: string, field = 'username'): string {
  if (!USERNAME.test(value)) throw badInput(field, 'must be 3–32 characters of letters, digits, "_", "." or "-"');
  return value;
}

export function validPassword(value: string, field = 'password'): string {
  if (value.length < PASSWORD_MIN) throw badInput(field, `must be at least ${PASSWORD_MIN} characters`);
  if (value.length > PASSWORD_MAX) throw badInput(field, `must be at most ${PASSWORD_MAX} characters`);
  return value;
}

export function validDisplayName(value: string | null | undefined): string | null {
  if (value == null) return null;
  const trimmed = value.trim();
  if (trimmed.length === 0) return null;
  if (trimmed.length > DISPLAY_NAME_MAX)
    throw badInput('displayName', `must be at most ${DISPLAY_NAME_MAX} characters`);
  if (/[\p{Cc}]/u.test(trimmed)) throw badInput('displayName', 'must not contain control characters');
  return trimmed;
}
