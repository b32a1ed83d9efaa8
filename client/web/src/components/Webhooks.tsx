import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../gql';
import type { WebhookEvent } from '../gql/graphql';
import { errorText } from './errors';

const WebhooksQuery = graphql(`
  query RoomWebhooks($roomId: ID!) {
    webhooks(roomId: $roomId) {
      id
      url
      events
      active
      inactiveReason
      createdAt
    }
  }
`);

const DeliveriesQuery = graphql(`
  query WebhookDeliveries($webhookId: ID!) {
    webhookDeliveries(webhookId: $webhookId, first: 10) {
      edges {
        node {
          id
          seq
          event
          status
          attempts
          lastStatusCode
          lastError
          createdAt
        }
      }
    }
  }
`);

const CreateWebhookMutation = graphql(`
  mutation CreateWebhook($input: CreateWebhookInput!) {
    createWebhook(input: $input) {
      secret
      webhook {
        id
        url
        events
        active
        inactiveReason
        createdAt
      }
    }
  }
`);

const DeleteWebhookMutation = graphql(`
  mutation DeleteWebhook($input: WebhookIdInput!) {
    deleteWebhook(input: $input)
  }
`);

const EVENTS: { value: WebhookEvent; label: string }[] = [
  { value: 'MESSAGE_CREATED', label: 'Messages sent' },
  { value: 'MESSAGE_EDITED', label: 'Messages edited' },
  { value: 'MESSAGE_DELETED', label: 'Messages deleted' },
  { value: 'MEMBER_JOINED', label: 'Members joining' },
  { value: 'MEMBER_LEFT', label: 'Members leaving' },
  { value: 'REACTION_CHANGED', label: 'Reactions' },
];

/** The room's settings for its owner: webhooks, their recent deliveries, a form to add one. */
export function WebhookSettings({ roomId }: { roomId: string }) {
  const [open, setOpen] = useState(false);
  return (
    <details className="settings" onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary>Webhooks</summary>
      {open && <WebhookPanel roomId={roomId} />}
    </details>
  );
}

function WebhookPanel({ roomId }: { roomId: string }) {
  const [{ data, error, fetching }, refetch] = useQuery({
    query: WebhooksQuery,
    variables: { roomId },
    requestPolicy: 'network-only',
  });
  const reload = () => refetch({ requestPolicy: 'network-only' });
  return (
    <div className="panel" role="region" aria-label="Webhooks">
      {error ? (
        <p className="error" role="alert">
          {errorText(error)}
        </p>
      ) : (
        <>
          {fetching && !data && <p className="hint">Loading…</p>}
          {data && data.webhooks.length === 0 && <p className="hint">No webhooks yet.</p>}
          <ul className="webhook-list">
            {data?.webhooks.map((webhook) => (
              <WebhookItem key={webhook.id} webhook={webhook} onDeleted={reload} />
            ))}
          </ul>
          <NewWebhook roomId={roomId} onCreated={reload} />
        </>
      )}
    </div>
  );
}

function WebhookItem({
  webhook,
  onDeleted,
}: {
  webhook: { id: string; url: string; events: WebhookEvent[]; active: boolean; inactiveReason?: string | null };
  onDeleted: () => void;
}) {
  const [showDeliveries, setShowDeliveries] = useState(false);
  const [{ fetching, error }, remove] = useMutation(DeleteWebhookMutation);
  const del = async () => {
    const result = await remove({ input: { webhookId: webhook.id } });
    if (!result.error) onDeleted();
  };
  return (
    <li className="webhook">
      <p className="webhook-url">{webhook.url}</p>
      <p className="hint">
        {webhook.active ? 'Active' : `Inactive: ${webhook.inactiveReason ?? ''}`} ·{' '}
        {webhook.events.map((e) => EVENTS.find((x) => x.value === e)?.label ?? e).join(', ')}
      </p>
      <button type="button" onClick={() => setShowDeliveries(!showDeliveries)} aria-expanded={showDeliveries}>
        {showDeliveries ? 'Hide deliveries' : 'Recent deliveries'}
      </button>{' '}
      <button type="button" disabled={fetching} onClick={() => void del()}>
        Delete
      </button>
      {error && (
        <p className="error" role="alert">
          {errorText(error)}
        </p>
      )}
      {showDeliveries && <Deliveries webhookId={webhook.id} />}
    </li>
  );
}

function Deliveries({ webhookId }: { webhookId: string }) {
  const [{ data, error }] = useQuery({
    query: DeliveriesQuery,
    variables: { webhookId },
    requestPolicy: 'network-only',
  });
  if (error) return <p className="error">{errorText(error)}</p>;
  if (!data) return <p className="hint">Loading…</p>;
  const rows = data.webhookDeliveries.edges.map((e) => e.node);
  if (rows.length === 0) return <p className="hint">Nothing sent yet.</p>;
  return (
    <table className="deliveries">
      <caption>The 10 newest deliveries</caption>
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Event</th>
          <th scope="col">Status</th>
          <th scope="col">Tries</th>
          <th scope="col">Last answer</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((d) => (
          <tr key={d.id}>
            <td>{d.seq}</td>
            <td>{d.event.toLowerCase().replace('_', '.')}</td>
            <td>{d.status.toLowerCase()}</td>
            <td>{d.attempts}</td>
            <td>{d.lastError ?? (d.lastStatusCode !== null ? `HTTP ${d.lastStatusCode}` : '—')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function NewWebhook({ roomId, onCreated }: { roomId: string; onCreated: () => void }) {
  const [{ fetching, error }, create] = useMutation(CreateWebhookMutation);
  const [secret, setSecret] = useState<string | null>(null);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const fields = new FormData(form);
    const url = String(fields.get('url') ?? '').trim();
    const events = fields.getAll('events').map(String) as WebhookEvent[];
    const result = await create({ input: { roomId, url, events } });
    if (!result.data) return;
    form.reset();
    setSecret(result.data.createWebhook.secret);
    onCreated();
  };
  return (
    <form className="new-webhook" onSubmit={(event) => void submit(event)}>
      <label>
        URL to POST events to
        <input name="url" type="url" required maxLength={2000} placeholder="https://example.com/chat-events" />
      </label>
      <fieldset>
        <legend>Events</legend>
        {EVENTS.map((e) => (
          <label key={e.value} className="check">
            <input type="checkbox" name="events" value={e.value} defaultChecked={e.value === 'MESSAGE_CREATED'} />
            {e.label}
          </label>
        ))}
      </fieldset>
      <button type="submit" disabled={fetching}>
        Add webhook
      </button>
      {error && (
        <p className="error" role="alert">
          {errorText(error)}
        </p>
      )}
      {secret && (
        <div className="secret" role="status">
          <p>Signing secret (copy it now: it is not shown again):</p>
          <output>
            <code>{secret}</code>
          </output>
        </div>
      )}
    </form>
  );
}
