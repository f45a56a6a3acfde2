// The service worker of the inspection entry (served from the site root by inspections.offline_views).
// Offline, it answers the entry page with its last copy and the static files from its cache; what the
// inspector types is kept by the page itself (IndexedDB) and sent when the connection is back.
// Version {{ version }}
importScripts.apply(self, {{ workbox|safe }});

const STATIC_CACHE = "hallq-static-{{ version }}";
const PAGES_CACHE = "hallq-entry-pages";
const SHELL = {{ shell|safe }};
const STATIC_URL = {{ static_url|safe }};
const ENTRY_PAGE = new RegExp({{ entry_pattern|safe }});

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(STATIC_CACHE).then(function (cache) {
      return cache.addAll(SHELL);
    }).then(function () {
      return self.skipWaiting();
    })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("hallq-static-") === 0 && name !== STATIC_CACHE;
      }).map(function (name) {
        return caches.delete(name);
      }));
    })
  );
});
workbox.core.clientsClaim();

// A signed-out phone keeps no copy of the entry pages (what was typed and not sent stays, per user).
const LOGIN_PATH = {{ login_path|safe }};
self.addEventListener("fetch", function (event) {
  if (event.request.mode === "navigate" && new URL(event.request.url).pathname === LOGIN_PATH) {
    event.waitUntil(caches.delete(PAGES_CACHE));
  }
});

// Entry pages: the network first (fresh values and lock version), the last copy when offline. The pages
// vary by cookie and language, which a navigation's request does not show the worker: match by URL.
workbox.routing.registerRoute(
  function (options) {
    return options.request.mode === "navigate" && ENTRY_PAGE.test(options.url.pathname);
  },
  new workbox.strategies.NetworkFirst({
    cacheName: PAGES_CACHE,
    networkTimeoutSeconds: 8,
    matchOptions: { ignoreVary: true },
  })
);

// Static files: from the cache at once, refreshed in the background.
workbox.routing.registerRoute(
  function (options) {
    return options.request.method === "GET" && options.url.origin === self.location.origin &&
      options.url.pathname.indexOf(STATIC_URL) === 0;
  },
  new workbox.strategies.StaleWhileRevalidate({ cacheName: STATIC_CACHE })
);
