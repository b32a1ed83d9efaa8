// The web app's service worker: shows the Web Push messages the server sends while the app is
// closed (API.md: { notification: { id, kind, roomId, messageId, title, body } }), and opens the
// notification's room when one is clicked.
/* global self, clients */

self.addEventListener('push', (event) => {
  let notification = {};
  try {
    notification = event.data ? event.data.json().notification || {} : {};
  } catch {
    notification = { title: 'Chat', body: event.data ? event.data.text() : '' };
  }
  event.waitUntil(
    self.registration.showNotification(notification.title || 'Chat', {
      body: notification.body || '',
      tag: notification.id || undefined,
      icon: '/favicon.svg',
      data: { roomId: notification.roomId || null },
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const roomId = event.notification.data && event.notification.data.roomId;
  const url = roomId ? `/rooms/${encodeURIComponent(roomId)}` : '/notifications';
  event.waitUntil(
    clients.matchAll({ type: 'window', includeUncontrolled: true }).then((windows) => {
      const open = windows.find((w) => new URL(w.url).origin === self.location.origin);
      if (open) return open.focus().then(() => open.navigate(url));
      return clients.openWindow(url);
    }),
  );
});
