// The workshop tablet's offline queue (issue 18). Every form marked data-queue is kept in
// IndexedDB first (its client-made id and its fields; never the CSRF token, a token or a
// credential), then sent; what the network did not carry stays waiting and is sent again when
// the connection comes back (the `online` event) and whenever a page opens. The client id in
// each submission makes a resend harmless, so an entry is sent until production answers it:
// sent (2xx or the console's redirect after success), refused (a 4xx, its reason shown), or
// still waiting (no network, a 5xx, an expired form). Entries are never dropped for their age.
(function () {
  "use strict";
  var DB_NAME = "jejak-tablet";
  var STORE = "queue";
  var CACHE = "jejak-tablet-v1";
  var flushing = false;

  function database() {
    return new Promise(function (resolve, reject) {
      var opening = indexedDB.open(DB_NAME, 1);
      opening.onupgradeneeded = function () {
        opening.result.createObjectStore(STORE, { keyPath: "id" });
      };
      opening.onsuccess = function () { resolve(opening.result); };
      opening.onerror = function () { reject(opening.error); };
    });
  }

  function inStore(mode, work) {
    return database().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(STORE, mode);
        var request = work(transaction.objectStore(STORE));
        transaction.oncomplete = function () { db.close(); resolve(request && request.result); };
        transaction.onerror = function () { db.close(); reject(transaction.error); };
      });
    });
  }

  function entries() {
    return inStore("readonly", function (store) { return store.getAll(); }).then(function (all) {
      return all.sort(function (a, b) { return a.created - b.created; });
    });
  }
  function save(entry) { return inStore("readwrite", function (store) { return store.put(entry); }); }
  function remove(id) { return inStore("readwrite", function (store) { return store.delete(id); }); }

  // A version 4 UUID from getRandomValues (randomUUID needs a secure context).
  function newId() {
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  // The session's CSRF token, read from the page when sending (never stored in the queue).
  function csrfToken() {
    var headers = document.body.getAttribute("hx-headers");
    return headers ? JSON.parse(headers)["X-CSRF-Token"] : "";
  }

  function queued(form) {
    var clientId = form.querySelector("[data-client-id]");
    if (clientId) clientId.value = newId(); // one id per submission, even from a cached page
    var fields = [];
    var summary = [];
    new FormData(form).forEach(function (value, name) {
      if (name === "csrf_token") return;
      fields.push([name, String(value)]);
      var input = form.elements.namedItem(name);
      if (input && input.type !== "hidden" && value) summary.push(String(value));
    });
    var id = clientId ? clientId.value : newId();
    var next = form.dataset.next ? form.dataset.next.replace("{id}", id) : null;
    return {
      id: id, created: Date.now(), action: form.action, fields: fields, next: next,
      label: form.dataset.label + (summary.length ? ": " + summary.join(" · ") : ""),
      state: "waiting", reason: "",
    };
  }

  // What the console's refusal page says next to its fields (the operator's language).
  function reasonOf(html) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var said = page.querySelectorAll(".field-error, #problem");
    return Array.prototype.map.call(said, function (p) { return p.textContent.trim(); }).join(" ");
  }

  function send(entry) {
    var body = new URLSearchParams(entry.fields);
    return fetch(entry.action, {
      method: "POST", body: body, redirect: "manual", credentials: "same-origin",
      headers: { "X-CSRF-Token": csrfToken() },
    }).then(function (response) {
      if (response.type === "opaqueredirect" || response.ok) return { state: "sent", reason: "" };
      if (response.status >= 400 && response.status < 500 && response.status !== 403) {
        return response.text().then(function (html) { return { state: "refused", reason: reasonOf(html) }; });
      }
      return null; // an expired form (403) or a service away (5xx): try again later
    }, function () { return null; }); // no network
  }

  function flushAll(justMade) {
    if (flushing) return Promise.resolve();
    flushing = true;
    var sent = [];
    return entries().then(function (all) {
      var waiting = all.filter(function (entry) { return entry.state === "waiting"; });
      return waiting.reduce(function (previous, entry) {
        return previous.then(function (stopped) {
          if (stopped || !navigator.onLine) return true;
          return send(entry).then(function (outcome) {
            if (outcome === null) return true; // keep the order: the rest waits too
            entry.state = outcome.state;
            entry.reason = outcome.reason;
            if (outcome.state === "sent") sent.push(entry);
            return save(entry).then(function () { return false; });
          });
        });
      }, Promise.resolve(false));
    }).finally(function () {
      flushing = false;
    }).then(function () {
      var mine = sent.filter(function (entry) { return entry.id === justMade; })[0];
      if (mine && mine.next) { location.assign(mine.next); return; }
      if (sent.length) return refreshed();
      return show();
    });
  }

  function flush(justMade) {
    if (navigator.locks) { // one tab sends at a time
      return navigator.locks.request("jejak-tablet-queue", function () { return flushAll(justMade); });
    }
    return flushAll(justMade);
  }

  // The page's facts again (the batch's quantity, the lists) after something was sent.
  function refreshed() {
    return fetch(location.href, { credentials: "same-origin" }).then(function (response) {
      return response.text();
    }).then(function (html) {
      var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("tablet-live");
      var live = document.getElementById("tablet-live");
      if (fresh && live) live.replaceWith(fresh);
    }, function () { return null; }).then(show);
  }

  function show() {
    var section = document.getElementById("queue");
    if (!section) return Promise.resolve();
    return entries().then(function (all) {
      var list = document.getElementById("queue-list");
      list.replaceChildren();
      var waiting = 0;
      all.forEach(function (entry) {
        if (entry.state === "waiting") waiting += 1;
        var item = document.createElement("li");
        item.className = "queued " + entry.state;
        item.id = "queued-" + entry.id;
        var state = document.createElement("strong");
        state.textContent = section.dataset[entry.state];
        item.append(state, " " + entry.label);
        if (entry.reason) {
          var reason = document.createElement("span");
          reason.className = "reason";
          reason.textContent = " — " + entry.reason;
          item.append(reason);
        }
        if (entry.state === "refused") {
          var button = document.createElement("button");
          button.type = "button";
          button.className = "secondary";
          button.textContent = section.dataset.remove;
          button.addEventListener("click", function () { remove(entry.id).then(show); });
          item.append(" ", button);
        }
        list.append(item);
      });
      var status = section.dataset.count.replace("{count}", String(waiting));
      if (!navigator.onLine) status += ". " + section.dataset.offline;
      document.getElementById("queue-status").textContent = status;
      section.dataset.waitingCount = String(waiting);
    });
  }

  function keepPagesForOffline() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register("/static/tablet-sw.js", { scope: "/tablet" });
    if (navigator.onLine && window.caches) { // this page and the list, as they are now
      caches.open(CACHE).then(function (cache) { return cache.addAll([location.pathname, "/tablet"]); })
        .catch(function () { return null; });
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches("form.sign-out") && window.caches) {
      caches.delete(CACHE); // the cached pages are this tablet's session's
      return;
    }
    if (!form.matches("form[data-queue]")) return;
    event.preventDefault();
    var entry = queued(form);
    save(entry).then(function () {
      form.reset();
      return flush(entry.id);
    });
  });
  window.addEventListener("online", function () { flush(null); });
  window.addEventListener("offline", show);

  // Opening a page: what was delivered before was shown then; the rest is sent now.
  entries().then(function (all) {
    return Promise.all(all.filter(function (e) { return e.state === "sent"; }).map(function (e) { return remove(e.id); }));
  }).then(function () { return flush(null); });
  keepPagesForOffline();
})();
