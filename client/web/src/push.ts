/**
 * Web Push in the browser: the service worker (public/sw.js) shows pushes while the app is closed.
 * Turning it on asks the browser's permission, subscribes with the server's VAPID key and
 * registers the subscription with the server.
 */
import type { Client } from 'urql';
import { graphql } from './gql';

const VapidPublicKeyQuery = graphql(`
  query VapidPublicKey {
    vapidPublicKey
  }
`);

const RegisterPushMutation = graphql(`
  mutation RegisterPush($input: PushSubscriptionInput!) {
    registerPushSubscription(input: $input)
  }
`);

const UnregisterPushMutation = graphql(`
  mutation UnregisterPush($input: PushEndpointInput!) {
    unregisterPushSubscription(input: $input)
  }
`);

export const pushSupported = () =>
  typeof navigator !== 'undefined' && 'serviceWorker' in navigator && typeof window.PushManager === 'function';

const keyBytes = (base64url: string) =>
  Uint8Array.from(atob(base64url.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

/** The current subscription of this browser, if it has one. */
export async function currentPushSubscription(): Promise<PushSubscription | null> {
  if (!pushSupported()) return null;
  const registration = await navigator.serviceWorker.getRegistration('/');
  return (await registration?.pushManager.getSubscription()) ?? null;
}

/** Asks permission, subscribes this browser and registers it with the server. */
export async function enablePush(client: Client): Promise<void> {
  if (!pushSupported()) throw new Error('This browser cannot show notifications from a closed tab');
  if ((await Notification.requestPermission()) !== 'granted') throw new Error('Notifications are not allowed');
  const registration = await navigator.serviceWorker.register('/sw.js');
  await navigator.serviceWorker.ready;
  const key = await client.query(VapidPublicKeyQuery, {}).toPromise();
  if (!key.data) throw new Error('The server did not give its push key');
  const subscription = await registration.pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: keyBytes(key.data.vapidPublicKey),
  });
  const { endpoint, keys } = subscription.toJSON();
  const result = await client
    .mutation(RegisterPushMutation, {
      input: { endpoint: endpoint!, keys: { p256dh: keys!.p256dh!, auth: keys!.auth! } },
    })
    .toPromise();
  if (result.error) throw new Error(result.error.message);
}

/** Stops pushes to this browser. */
export async function disablePush(client: Client): Promise<void> {
  const subscription = await currentPushSubscription();
  if (!subscription) return;
  await client.mutation(UnregisterPushMutation, { input: { endpoint: subscription.endpoint } }).toPromise();
  await subscription.unsubscribe();
}
