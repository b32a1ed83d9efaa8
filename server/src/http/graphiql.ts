import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { Plugin } from 'graphql-yoga';

const gzipped = promisify(gzip);

/**
 * GraphiQL at `GET <path>` for browsers, with everything it runs inside the page (scripts, styles,
 * editor workers): it works offline, behind a strict proxy, and loads nothing from other hosts.
 * The page is large (~9 MB), so it is made once and sent gzipped to browsers that take it.
 */
export function useGraphiQL(path: string, options: { title: string }): Plugin {
  let page: { html: string; gzip: Promise<Buffer> } | undefined;
  const made = () => {
    if (!page) {
      const html = renderGraphiQL({ endpoint: path, subscriptionsProtocol: 'WS', title: options.title });
      page = { html, gzip: gzipped(html, { level: 6 }) };
    }
    return page;
  };
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== 'GET' || url.pathname !== path) return;
      const accept = request.headers.get('accept') ?? '';
      if (!accept.includes('text/html')) return;
      const { html, gzip: compressed } = made();
      const headers = {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-cache',
        vary: 'accept-encoding',
      };
      endResponse(
        /\bgzip\b/.test(request.headers.get('accept-encoding') ?? '')
          ? new fetchAPI.Response(new Uint8Array(await compressed), {
              headers: { ...headers, 'content-encoding': 'gzip' },
            })
          : new fetchAPI.Response(html, { headers }),
      );
    },
  };
}
