import type { YogaLogger } from 'graphql-yoga';
import type { Logger } from '../infra/logger.js';
import { maskError } from '../schema/errors.js';

/**
 * The logger yoga writes to. Yoga reports every request it refuses (a body that is not JSON, a
 * missing query, a bad variable…) as an error, with its stack. Those are the client's mistakes:
 * they are logged at `info`, one line with the code and message the client got, and `error` is
 * kept for faults of ours.
 */
export function yogaLogger(log: Logger): YogaLogger {
  const write =
    (level: 'debug' | 'info' | 'warn') =>
    (...args: unknown[]) =>
      typeof args[0] === 'string' && args.length === 1 ? log[level](args[0]) : log[level]({ args }, 'yoga');
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error(...args: unknown[]) {
      const [first] = args;
      const masked = maskError(first) as Error & { extensions?: { code?: unknown } };
      const code = masked.extensions?.code;
      if (first instanceof Error && code !== 'INTERNAL') {
        log.info({ code, message: masked.message }, 'request refused');
        return;
      }
      log.error(first instanceof Error ? { err: first } : { args }, 'request failed');
    },
  };
}
