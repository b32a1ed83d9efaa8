import type { Plugin } from 'graphql-yoga';

export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

/**
 * `GET /healthz`: the process is up. `GET /readyz`: every dependency answers (200), or 503 naming
 * the ones that do not, so a load balancer stops sending traffic to this replica.
 */
export function useHealth(checks: ReadinessCheck[], isDraining: () => boolean): Plugin {
  return {
    async onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname === '/healthz') {
        endResponse(Response.json({ status: 'ok' }));
        return;
      }
      if (url.pathname !== '/readyz') return;
      const results = await Promise.all(
        checks.map(async ({ name, check }) => {
          try {
            await check();
            return [name, 'ok'] as const;
          } catch (error) {
            return [name, `unavailable: ${(error as Error).message}`] as const;
          }
        }),
      );
      const draining = isDraining();
      const ok = !draining && results.every(([, state]) => state === 'ok');
      endResponse(
        new fetchAPI.Response(
          JSON.stringify({
            status: ok ? 'ok' : draining ? 'draining' : 'unavailable',
            checks: Object.fromEntries(results),
          }),
          {
            status: ok ? 200 : 503,
            headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
          },
        ),
      );
    },
  };
}
