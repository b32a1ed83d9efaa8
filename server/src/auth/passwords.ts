import * as argon2 from 'argon2';
import type { Config } from '../config.js';

/**
 * argon2id password hashes. The parameters come from config (default: OWASP's minimum, 19 MiB,
 * 2 iterations, 1 lane); a hash made with older parameters is upgraded at the next sign-in.
 */
export class Passwords {
  private readonly options: argon2.HashOptions & { raw?: false };
  /** A real hash to verify against when the username is unknown, so both cases cost the same. */
  private readonly decoy: Promise<string>;

  constructor(params: Config['argon2']) {
    this.options = { type: argon2.argon2id, ...params };
    this.decoy = this.hash('decoy password for unknown users');
  }

  hash(password: string): Promise<string> {
    return argon2.hash(password, this.options);
  }

  /** Verifies `password` against `hash`, or against the decoy when there is no user. */
  async verify(hash: string | null, password: string): Promise<boolean> {
    try {
      return (await argon2.verify(hash ?? (await this.decoy), password)) && hash !== null;
    } catch {
      return false;
    }
  }

  needsRehash(hash: string): boolean {
    return argon2.needsRehash(hash, this.options);
  }
}
