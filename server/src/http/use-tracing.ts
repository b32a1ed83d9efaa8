import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { SpanKind, traced } from '../infra/tracing.js';

/**
 * A span per query and mutation (HTTP and WebSocket alike), around its execution, so the database
 * statements and publishes it makes are its children. Added only when tracing is on.
 */
export function useTracing(): Plugin {
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const operation = getOperationAST(args.document, args.operationName);
      const type = operation?.operation ?? 'unknown';
      const name = operation?.name?.value ?? 'anonymous';
      setExecuteFn((executeArgs) =>
        traced(
          `${type} ${name}`,
          { 'graphql.operation.type': type, 'graphql.operation.name': name },
          async () => executeFn(executeArgs),
          { kind: SpanKind.SERVER },
        ),
      );
    },
  };
}
