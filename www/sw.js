// Service worker of the soft token (and card) pages: their files come from the cache first, so the
// token answers challenges with no network; /api always goes to the network.
//
// Registered by token.js with the scope /token.html (and by card.js with /card.html), so it never
// stands between the other pages and the server. The cache is refreshed in the background on every
// online visit; bump VERSION when the list of files changes.

const VERSION = 'v3';
const CACHE = `secure-login-token-${VERSION}`;

const FILES = [
  '/device.css',
  '/token.html',
  '/token.js',
  '/token.css',
  '/card.html',
  '/card.js',
  '/card.css',
  // www/lib/: what the two pages import from it.
  '/lib/api.js',
  '/lib/errors.js',
  '/lib/format.js',
  '/lib/i18n.js',
  '/lib/text.js',
  '/messages/token.js',
  '/messages/card.js',
  '/manifest.webmanifest',
  '/favicon.svg',
  '/pkg/secure_login.js',
  '/pkg/secure_login_bg.wasm',
];
const CACHED = new Set(FILES);

self.addEventListener('install', (event) => {
  // Each file on its own: one missing file must not leave the token without an offline copy.
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => Promise.all(FILES.map((file) => cache.add(new Request(file, { cache: 'reload' })).catch(() => {}))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((key) => key.startsWith('secure-login-token-') && key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

/** Fetches `request` and keeps a good answer in the cache. */
async function refresh(path) {
  const response = await fetch(path, { cache: 'no-cache' });
  if (response.ok && response.type === 'basic') {
    const cache = await caches.open(CACHE);
    await cache.put(path, response.clone());
  }
  return response;
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;
  const path = url.pathname;
  if (!CACHED.has(path)) return;
  event.respondWith(
    (async () => {
      const cached = await caches.match(path, { cacheName: CACHE });
      if (cached) {
        // Cache first; a fresh copy for the next visit when the network is there.
        event.waitUntil(refresh(path).catch(() => {}));
        return cached;
      }
      return refresh(path);
    })(),
  );
});
