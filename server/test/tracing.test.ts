// OpenTelemetry across replicas: a local OTLP/HTTP receiver collects the spans of two server
// processes; a message sent on one and delivered on the other is one trace.
import { createServer, type IncomingMessage } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { chatClient } from './support/chat.js';
import { freshDatabaseEnv } from './support/databases.js';
import { hasPostgres } from './support/env.js';
import { connect, eventually, subscribe } from './support/live.js';
import { sharedModes } from './support/pubsub-modes.js';
import { spawnServer } from './support/server.js';
import { registerUser } from './support/users.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
}

/** An OTLP/HTTP (JSON) trace receiver on a free port, keeping every span it is sent. */
async function startReceiver() {
  const spans: ReceivedSpan[] = [];
  const read = async (request: IncomingMessage) => {
    let body = '';
    for await (const chunk of request) body += String(chunk);
    return body;
  };
  const server = createServer((request, response) => {
    void read(request).then((body) => {
      if (request.method === 'POST' && request.url === '/v1/traces') {
        const payload = JSON.parse(body) as {
          resourceSpans: {
            resource: { attributes: { key: string; value: { stringValue?: string } }[] };
            scopeSpans: { spans: (Omit<ReceivedSpan, 'service' | 'attributes'> & { attributes?: unknown[] })[] }[];
          }[];
        };
        for (const { resource, scopeSpans } of payload.resourceSpans) {
          const service = resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
          for (const { spans: list } of scopeSpans) {
            for (const span of list) {
              const attributes = Object.fromEntries(
                ((span.attributes ?? []) as { key: string; value: Record<string, unknown> }[]).map((a) => [
                  a.key,
                  Object.values(a.value)[0],
                ]),
              );
              spans.push({ ...span, service, attributes });
            }
          }
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, spans, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const shared = sharedModes.find((mode) => mode.run);

describe.runIf(hasPostgres && shared)('traces (OTEL_EXPORTER_OTLP_ENDPOINT)', () => {
  it('join across replicas: the delivery on one is in the trace of the send on the other, under its publish', async () => {
    const receiver = await startReceiver();
    cleanups.push(receiver.close);
    const env = {
      ...(await freshDatabaseEnv(cleanups, 'postgres')),
      ...(await shared!.env(cleanups)),
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    };
    const [a, b] = [
      spawnServer({ ...env, OTEL_SERVICE_NAME: 'chat-a' }),
      spawnServer({ ...env, OTEL_SERVICE_NAME: 'chat-b' }),
    ];
    cleanups.push(async () => {
      a.kill();
      b.kill();
      await Promise.all([a.exited, b.exited]);
    });
    const [urlA, urlB] = await Promise.all([a.ready, b.ready]);
    const owner = await registerUser(urlA);
    const sender = chatClient(urlA, owner.accessToken);
    const roomId = (await sender.createRoom(`traced-${owner.user.username}`)).data!.createRoom.id;
    const socket = connect(`${urlB.replace(/^http/, 'ws')}/graphql`);
    cleanups.push(() => socket.dispose());
    const sub = subscribe(socket, 'subscription ($r: ID!) { messageAdded(roomId: $r) { seq body } }', { r: roomId });
    let sent = 0;
    await eventually(async () => {
      sent = (await sender.send(roomId, 'traced')).data!.sendMessage.seq;
      await new Promise((r) => setTimeout(r, 50));
      return sub.events().some((e) => e.messageAdded.seq === sent);
    });

    // The last send's spans on A, and the delivery of its event on B.
    let trace: ReceivedSpan[] = [];
    await eventually(
      () => {
        const publishes = receiver.spans.filter((s) => s.service === 'chat-a' && s.name.startsWith('publish'));
        const publish = publishes.at(-1);
        trace = publish ? receiver.spans.filter((s) => s.traceId === publish.traceId) : [];
        return trace.some((s) => s.service === 'chat-b' && s.name === 'deliver messageAdded');
      },
      15_000,
      "the delivery span in the send's trace",
    );
    const operation = trace.find((s) => s.service === 'chat-a' && s.name === 'mutation anonymous')!;
    expect(operation).toBeDefined();
    expect(operation.parentSpanId || undefined).toBeUndefined();
    expect(operation.attributes['graphql.operation.type']).toBe('mutation');
    const statements = trace.filter((s) => s.service === 'chat-a' && s.name.startsWith('db '));
    expect(statements.length).toBeGreaterThan(0);
    expect(statements.every((s) => s.parentSpanId === operation.spanId)).toBe(true);
    expect(statements.some((s) => /insert into/i.test(String(s.attributes['db.query.text'])))).toBe(true);
    const publish = trace.find((s) => s.service === 'chat-a' && s.name.startsWith('publish'))!;
    expect(publish.parentSpanId).toBe(operation.spanId);
    expect(publish.attributes['messaging.destination.name']).toMatch(/^chat:room:/);
    const delivery = trace.find((s) => s.service === 'chat-b' && s.name === 'deliver messageAdded')!;
    expect(delivery.parentSpanId).toBe(publish.spanId);
    expect(delivery.attributes['chat.event']).toBe('MessageCreated');
  });
});
