import { getOperationAST, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { AppError } from '../errors.js';
import type { Logger } from '../infra/logger.js';
import type { Metrics } from '../infra/metrics.js';
import type { Context } from '../schema/context.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** Operation names are chosen by clients: past this many distinct ones they count as "other". */
const MAX_NAMES = 500;

/** The error code a result ends with: the first error's, or "ok". */
function outcomeOf(result: ExecutionResult): string {
  const error = result.errors?.[0];
  if (!error) return 'ok';
  const original = error.originalError;
  if (original instanceof AppError) return original.code;
  return typeof error.extensions?.code === 'string' ? error.extensions.code : 'INTERNAL';
}

/**
 * One log line and one duration sample per query and mutation, on HTTP and WebSocket alike:
 * request id, user id, operation name and type, duration and outcome. Variables are never logged
 * (they hold passwords and tokens).
 */
export function useOperations(metrics: Metrics, log: Logger): Plugin<Context> {
  const names = new Set<string>();
  const label = (name: string | undefined) => {
    if (!name || !NAME.test(name)) return 'anonymous';
    if (names.has(name)) return name;
    if (names.size >= MAX_NAMES) return 'other';
    names.add(name);
    return name;
  };
  return {
    onExecute({ args }) {
      const started = performance.now();
      const operation = getOperationAST(args.document, args.operationName);
      const type = operation?.operation ?? 'unknown';
      const name = label(operation?.name?.value);
      return {
        onExecuteDone({ result }) {
          if (Symbol.asyncIterator in result) return;
          const ms = performance.now() - started;
          const outcome = outcomeOf(result);
          metrics.operationDuration.observe({ operation: name, type, outcome }, ms / 1000);
          // The operation's own logger is made on first use: not at all when the line would be dropped.
          if (!log.isLevelEnabled('info')) return;
          (args.contextValue as Context).log.info(
            { operation: name, type, ms: Math.round(ms * 10) / 10, outcome },
            'operation',
          );
        },
      };
    },
    onSubscribe({ args }) {
      if (!log.isLevelEnabled('debug')) return;
      const operation = getOperationAST(args.document, args.operationName);
      (args.contextValue as Context).log.debug(
        { operation: label(operation?.name?.value), type: 'subscription' },
        'subscription started',
      );
    },
  };
}

/** `GET /metrics`: the Prometheus text format. */
export function useMetricsEndpoint(metrics: Metrics): Plugin {
  return {
    async onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== '/metrics') return;
      endResponse(
        new fetchAPI.Response(await metrics.registry.metrics(), {
          headers: { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' },
        }),
      );
    },
  };
}
