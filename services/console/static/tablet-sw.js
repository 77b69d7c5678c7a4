// The workshop tablet's service worker (scope /tablet, allowed by the console's
// Service-Worker-Allowed header): pages and static files from the network when it answers,
// kept in the cache for when it does not. Submissions (POST) are not its business: the page's
// queue (tablet.js) keeps them. Label sheets are only ever fetched live.
var CACHE = "jejak-tablet-v1";
var STATIC = [
  "/static/console.css", "/static/tablet.js", "/static/download.js", "/static/vendor/htmx.min.js",
];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(STATIC); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.endsWith(".pdf") || request.headers.get("HX-Request")) return;
  event.respondWith(fetch(request).then(function (response) {
    // A page answered as itself (not a sign-in page after a redirect) is kept for later.
    if (response.ok && !response.redirected && response.type === "basic") {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { return cache.put(url.pathname, copy); });
    }
    return response;
  }, function () {
    return caches.match(url.pathname, { ignoreVary: true }).then(function (found) {
      return found || caches.match("/tablet", { ignoreVary: true }) || Response.error();
    });
  }));
});
