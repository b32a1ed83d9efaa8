import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../schema/context.js';

/**
 * Subscriptions run over the live transports only (WebSocket, and server-sent events through
 * transport/sse.ts), where the connection policy counts, limits and ends them. A subscription sent
 * as a plain HTTP request (yoga would stream it as multipart or events) is refused.
 */
export function useHttpSubscriptionsRefused(): Plugin<Context> {
  return {
    onSubscribe({ args, setResultAndStopExecution }) {
      if ((args.contextValue as Context).transport !== 'http') return;
      setResultAndStopExecution({
        errors: [
          new GraphQLError(
            'query is a subscription: subscribe over WebSocket (graphql-transport-ws) or server-sent events (graphql-sse, Accept: text/event-stream)',
            { extensions: { code: 'BAD_USER_INPUT', field: 'query' } },
          ),
        ],
      });
    },
  };
}
