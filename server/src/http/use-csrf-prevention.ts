import { createGraphQLError, type Plugin } from 'graphql-yoga';

/** Bodies a browser may send to another site without asking it first (no CORS preflight). */
const SIMPLE_CONTENT_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

/**
 * CSRF prevention: a POST that a cross-site form could send (a "simple" content type) must carry
 * the `x-graphql-csrf` header, which only a same-site script or a CORS-approved origin can add.
 * JSON POSTs are preflighted by browsers; GET runs queries only, and no query acts on a cookie.
 */
export function useCsrfPrevention(): Plugin {
  return {
    onRequestParse({ request }) {
      if (request.method !== 'POST') return;
      const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== '' && !SIMPLE_CONTENT_TYPES.includes(type)) return;
      if (request.headers.has('x-graphql-csrf')) return;
      throw createGraphQLError('This request needs the x-graphql-csrf header (or a JSON body)', {
        extensions: { code: 'FORBIDDEN', http: { status: 403 } },
      });
    },
  };
}
