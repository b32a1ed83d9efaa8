import { pino, type LogFn, type Logger } from 'pino';
import type { Config } from '../config.js';

export type { LogFn, Logger };

/** What the code running a request logs with. */
export type RequestLog = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

/** Structured logs: JSON in production, pretty in development. Secrets are redacted by path. */
export function createLogger(config: Pick<Config, 'log'>): Logger {
  return pino({
    level: config.log.level,
    base: { pid: process.pid },
    redact: {
      paths: [
        'password',
        '*.password',
        '*.currentPassword',
        '*.newPassword',
        'token',
        '*.token',
        '*.accessToken',
        '*.refreshToken',
        '*.authToken',
        'req.headers.authorization',
        'req.headers.cookie',
      ],
      censor: '[redacted]',
    },
    transport:
      config.log.format === 'pretty'
        ? {
            target: 'pino-pretty',
            options: { colorize: process.stdout.isTTY, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' },
          }
        : undefined,
  });
}
