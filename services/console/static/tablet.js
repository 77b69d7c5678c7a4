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
    var page = form.dataset.offlinePage ? form.dataset.offlinePage.replace("{id}", id) : null;
    return {
      id: id, created: Date.now(), action: form.action, fields: fields, next: next, page: page,
      after: form.dataset.after || null, // the queued opening of its batch, sent before it
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

  // An entry for a batch opened offline whose opening production refused is refused too,
  // never sent (its batch does not exist; the id is the tablet's own, so it cannot be
  // another's). The queue is sent in order, so the opening was answered before it.
  function blocked(entry, all) {
    var opening = entry.after && all.filter(function (e) { return e.id === entry.after; })[0];
    if (!opening || opening.state !== "refused") return null;
    var section = document.getElementById("queue");
    return Promise.resolve({ state: "refused", reason: section ? section.dataset.blocked : "" });
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
          return (blocked(entry, all) || send(entry)).then(function (outcome) {
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
      if (queuedBatch()) return queuedPage(justMade);
      if (sent.length) return refreshed();
      return show().then(function () { return offlinePageOf(justMade); });
    });
  }

  function flush(justMade) {
    if (navigator.locks) { // one tab sends at a time
      return navigator.locks.request("jejak-tablet-queue", function () { return flushAll(justMade); });
    }
    return flushAll(justMade);
  }

  // A batch just opened while the network is away: its page of its own, from the queue.
  function offlinePageOf(justMade) {
    if (!justMade) return null;
    return entries().then(function (all) {
      var mine = all.filter(function (entry) { return entry.id === justMade; })[0];
      if (mine && mine.page && mine.state === "waiting") location.assign(mine.page);
    });
  }

  // ---------------------------------------------------------------- a queued batch's page
  // The batch's id is after the # of /tablet/queued-batch (the page the worker keeps is one for
  // every queued batch). Its forms are queued after the opening; once production has the
  // batch, its real page takes over.
  var UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

  function queuedBatch() {
    if (!document.getElementById("queued-batch")) return null;
    var id = decodeURIComponent(location.hash.slice(1));
    return UUID.test(id) ? id : "";
  }

  function queuedForms(id) {
    Array.prototype.forEach.call(document.querySelectorAll("#queued-forms form"), function (form) {
      form.action = form.dataset.action.replace("{id}", id);
      form.dataset.after = id;
    });
  }

  function queuedPage() {
    var id = queuedBatch();
    return show().then(entries).then(function (all) {
      var opening = all.filter(function (entry) { return entry.id === id; })[0];
      if (id && (!opening || opening.state === "sent") && navigator.onLine) {
        location.replace("/tablet/batches/" + id); // production has it (or says why not)
        return;
      }
      // Its opening sent (and gone from the queue) while output for it still waits: known.
      var known = Boolean(opening) || all.some(function (entry) { return entry.after === id; });
      var refused = Boolean(opening && opening.state === "refused");
      document.getElementById("queued-missing").hidden = known;
      document.getElementById("queued-refused").hidden = !refused;
      // Once its completion is queued, no more output: production would refuse it after.
      var completing = all.some(function (entry) {
        return entry.after === id && entry.state !== "refused" && /\/complete$/.test(entry.action);
      });
      document.getElementById("queued-forms").hidden = !known || refused || completing;
      document.getElementById("queued-completing").hidden = !completing || refused;
      if (known) describeQueued(opening || { id: id, fields: [] }, all);
    });
  }

  function describeQueued(opening, all) {
    var sku = opening.fields.filter(function (field) { return field[0] === "sku"; })[0];
    var product = sku && document.getElementById("queued-products").content
      .querySelector('option[value="' + CSS.escape(sku[1]) + '"]');
    var title = document.getElementById("queued-title");
    if (product) title.textContent = title.dataset.title.replace("{name}", product.textContent);
    document.getElementById("queued-dates").hidden = !(product && product.hasAttribute("data-dated"));
    var made = all.filter(function (entry) {
      return entry.after === opening.id && entry.state !== "refused";
    }).reduce(function (sum, entry) {
      var quantity = entry.fields.filter(function (field) { return field[0] === "quantity"; })[0];
      return sum + (quantity ? Number(quantity[1]) || 0 : 0);
    }, 0);
    var line = document.getElementById("queued-batch");
    var unit = product ? " " + product.dataset.unit : "";
    line.textContent = line.dataset.intro + " " + line.dataset.recorded.replace("{count}", made + unit);
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
        if (entry.page && entry.state === "waiting" && entry.page !== location.pathname + location.hash) {
          var page = document.createElement("a");
          page.href = entry.page;
          page.textContent = section.dataset.page;
          item.append(" ", page);
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
      var kept = [location.pathname, "/tablet", "/tablet/queued-batch"];
      caches.open(CACHE).then(function (cache) { return cache.addAll(kept); })
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

  var queuedId = queuedBatch();
  if (queuedId !== null) {
    var intro = document.getElementById("queued-batch");
    intro.dataset.intro = intro.textContent;
    if (queuedId) queuedForms(queuedId);
    var language = document.getElementById("language"); // the other language, same batch
    if (language) language.href = language.href.split("#")[0] + location.hash;
    window.addEventListener("hashchange", function () { location.reload(); });
  }

  // Opening a page: what was delivered before was shown then; the rest is sent now.
  entries().then(function (all) {
    return Promise.all(all.filter(function (e) { return e.state === "sent"; }).map(function (e) { return remove(e.id); }));
  }).then(function () { return flush(null); });
  keepPagesForOffline();
})();
