// Confab's service worker (served as /sw.js, scope /, `Cache-Control: no-cache` so a changed
// worker is picked up on the next visit). Two jobs:
//
// 1. Offline shell. The app shell is index.html plus the hashed js, wasm, css and favicon trunk
//    writes into it, and the emoji picker's data (a hashed .json the app fetches when a picker
//    first opens, named in index.html's `confab-emoji-data` meta; kept here so that the picker
//    opens offline too), and the wasm chunks of the parts that load on first use (a
//    conversation, settings, …; named in its `confab-wasm-chunk` metas). Their names change
//    with every build while this file does not, so the list is read from index.html itself:
//    at install, and again whenever a navigation brings a fresh index.html (then the new
//    build's assets are fetched and the old build's dropped).
//    Navigations go to the network first, so an online visit always gets the current build,
//    and fall back to the cached index.html offline. Hashed assets are cache-first: their
//    content never changes under a name. Nothing else is touched: /api/, the WebSocket, media
//    and uploads always go to the network and are never stored.
//
// 2. Web Push. A push carries protocol::push::PushNotification as JSON ({conversation_id, seq,
//    title, body, mention, url}); it becomes a notification unless a window of the app is
//    visible (the app then shows the message itself). A click on it focuses an open window on
//    the conversation, or opens one.
'use strict';

const SHELL_CACHE = 'confab-shell-v1';
const SHELL_URL = '/';

// A name as trunk writes it (`frontend-6f0c1d2e3a4b5c6d_bg.wasm`, `main-….css`), as
// frontend/build.rs does (`emoji-6f0c1d2e3a4b5c6d.json`), or as crates/split-bindgen does for the
// lazily loaded chunks and their loader (`/snippets/wasm-split/split_settings-6f0c1d2e3a4b5c6d.wasm`):
// a content hash of 12 to 16 hex digits in the last segment, the same rule as the server's
// `spa::is_content_hashed`.
const HASHED_ASSET = /^\/(?:[A-Za-z0-9_.-]+\/)*[A-Za-z0-9_.-]*[-_.][0-9a-f]{12,16}(?:_bg)?\.(?:js|wasm|css|svg|json)$/;

/**
 * The hashed assets an index.html names in its attributes (src, href, content) and its loader
 * script; the wasm chunks loaded on first use are named in `<meta name="confab-wasm-chunk">`.
 */
function assetsOf(html) {
  const found = new Set();
  for (const match of html.matchAll(/["'](\/[A-Za-z0-9_.\/-]+)["']/g)) {
    if (HASHED_ASSET.test(match[1])) found.add(match[1]);
  }
  return [...found];
}

/**
 * Stores `response` (a fresh index.html) as the shell, fetches the assets it names that are not
 * cached yet, and drops cached assets it no longer names (an older build's).
 */
async function storeShell(response) {
  const cache = await caches.open(SHELL_CACHE);
  const html = await response.clone().text();
  const wanted = assetsOf(html);
  const missing = [];
  for (const path of wanted) {
    if (!(await cache.match(path, { ignoreVary: true }))) missing.push(path);
  }
  // The assets first: a shell whose assets are missing would be worse than the older shell.
  await cache.addAll(missing);
  await cache.put(SHELL_URL, response);
  const keep = new Set([SHELL_URL, ...wanted]);
  for (const request of await cache.keys()) {
    if (!keep.has(new URL(request.url).pathname)) await cache.delete(request);
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const response = await fetch(SHELL_URL, { cache: 'no-cache' });
      if (!response.ok) throw new Error(`index.html answered ${response.status}`);
      await storeShell(response);
      // Nothing in this worker depends on the page that registered it, so take over at once.
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      // Caches of earlier versions of this worker (a renamed SHELL_CACHE).
      for (const name of await caches.keys()) {
        if (name !== SHELL_CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;
  if (request.mode === 'navigate') {
    event.respondWith(navigate(event));
  } else if (HASHED_ASSET.test(url.pathname)) {
    event.respondWith(hashedAsset(request));
  }
  // Anything else (media, the manifest, icons, this worker) goes to the network untouched.
});

/** Network first, so online visits always run the current build; the cached shell offline. */
async function navigate(event) {
  try {
    const response = await fetch(event.request);
    // Every app path answers index.html (the server's SPA fallback); keep it as the shell.
    const html = (response.headers.get('content-type') || '').startsWith('text/html');
    if (response.ok && html) event.waitUntil(storeShell(response.clone()).catch(() => {}));
    return response;
  } catch (offline) {
    const shell = await caches.match(SHELL_URL, { cacheName: SHELL_CACHE });
    if (shell) return shell;
    throw offline;
  }
}

/** Cache first: a hashed name always holds the same bytes. */
async function hashedAsset(request) {
  const cached = await caches.match(request, { cacheName: SHELL_CACHE, ignoreVary: true });
  return cached || fetch(request);
}

self.addEventListener('push', (event) => {
  let push;
  try {
    push = event.data ? event.data.json() : null;
  } catch (malformed) {
    push = null;
  }
  if (!push || typeof push.title !== 'string') return;
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      // The user is looking at the app, which shows the message live: no notification.
      if (windows.some((client) => client.visibilityState === 'visible')) return;
      await self.registration.showNotification(push.title, {
        body: push.body,
        // One notification per conversation: a newer message replaces the older one…
        tag: String(push.conversation_id),
        // …silently, unless it mentions the user.
        renotify: Boolean(push.mention),
        icon: '/icon-192.png',
        data: { url: push.url },
      });
    })(),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const path = (event.notification.data && event.notification.data.url) || '/';
  // Only the app's own pages: the payload comes from our server, but a link is still a link.
  let target = new URL(path, self.location.origin);
  if (target.origin !== self.location.origin) target = new URL('/', self.location.origin);
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const open = windows.find((client) => new URL(client.url).origin === self.location.origin);
      if (open) {
        try {
          await open.focus();
          // Rejects for a window this worker does not control (one opened before it was
          // installed); a new window then opens instead.
          await open.navigate(target.href);
          return;
        } catch (uncontrolled) {
          // fall through
        }
      }
      await self.clients.openWindow(target.href);
    })(),
  );
});
