// Downloads that take a while (issue 18: a label sheet of hundreds of units, the recall report
// of a large lot). A link marked data-progress is fetched here instead of followed: while the
// service prepares the file its status says so ("preparing 400 labels…", the words the page put
// in the link's data attributes, in the person's language), then a <progress> counts the bytes
// received against Content-Length, and the file is saved under the name of its
// Content-Disposition. A refusal (4xx, 5xx) or a lost network is said next to the link, in
// words. Without this script (or without fetch streams) the link is a plain download.
(function () {
  "use strict";
  if (!window.fetch || !window.ReadableStream || !window.URL || !URL.createObjectURL) return;

  // The status beside the link, made once: read out by screen readers as it changes.
  function statusOf(link) {
    var id = link.id + "-status";
    var status = document.getElementById(id);
    if (status) return status;
    status = document.createElement("span");
    status.id = id;
    status.className = "download-status";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    var text = document.createElement("span");
    text.className = "download-text";
    status.append(text);
    link.after(" ", status);
    link.setAttribute("aria-describedby", id);
    return status;
  }

  function say(link, words, state) {
    var status = statusOf(link);
    status.dataset.state = state;
    status.classList.toggle("error", state === "failed");
    status.querySelector(".download-text").textContent = words;
    var bar = status.querySelector("progress");
    if (bar && state !== "receiving") bar.remove();
    return status;
  }

  function progressBar(link, total) {
    var status = say(link, link.dataset.receiving, "receiving");
    var bar = document.createElement("progress");
    bar.setAttribute("aria-label", link.dataset.receiving);
    if (total > 0) { bar.max = total; bar.value = 0; } // else indeterminate: the size is unknown
    status.append(" ", bar);
    return bar;
  }

  // RFC 6266: filename*=UTF-8''… first, then filename="…"; else the link's last path segment.
  function fileName(disposition, link) {
    var extended = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(disposition || "");
    if (extended) {
      try { return decodeURIComponent(extended[1].trim()); } catch (ignored) { /* fall through */ }
    }
    var plain = /filename\s*=\s*"?([^";]+)"?/.exec(disposition || "");
    if (plain) return plain[1].trim();
    return new URL(link.href).pathname.split("/").pop() || "download";
  }

  // What the console's error page says (its #problem), for the refusal beside the link.
  function reasonOf(html) {
    var problem = new DOMParser().parseFromString(html, "text/html").getElementById("problem");
    return problem ? problem.textContent.trim() : "";
  }

  function refused(link, response) {
    return response.text().then(function (html) {
      var reason = reasonOf(html);
      var words = link.dataset.failed.replace("{status}", String(response.status));
      say(link, reason ? words + " " + reason : words, "failed");
    });
  }

  function received(link, response) {
    var total = Number(response.headers.get("Content-Length")) || 0;
    var bar = progressBar(link, total);
    var reader = response.body.getReader();
    var chunks = [];
    var count = 0;
    function next() {
      return reader.read().then(function (step) {
        if (step.done) return chunks;
        chunks.push(step.value);
        count += step.value.length;
        if (total > 0) bar.value = Math.min(count, total);
        return next();
      });
    }
    return next();
  }

  function saved(link, response, chunks) {
    var type = response.headers.get("Content-Type") || "application/octet-stream";
    var url = URL.createObjectURL(new Blob(chunks, { type: type }));
    var anchor = document.createElement("a");
    anchor.href = url;
    anchor.download = fileName(response.headers.get("Content-Disposition"), link);
    anchor.hidden = true;
    document.body.append(anchor);
    anchor.click();
    anchor.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
    say(link, link.dataset.saved.replace("{name}", anchor.download), "saved");
  }

  function download(link) {
    link.dataset.busy = "true";
    link.setAttribute("aria-busy", "true");
    say(link, link.dataset.preparing, "preparing");
    return fetch(link.href, { credentials: "same-origin" }).then(function (response) {
      // Sent to sign in again (the session ran out): the plain link takes the person there.
      if (response.redirected) { location.assign(link.href); return null; }
      if (!response.ok) return refused(link, response);
      return received(link, response).then(function (chunks) { saved(link, response, chunks); });
    }).catch(function () {
      say(link, link.dataset.offline, "failed");
    }).finally(function () {
      delete link.dataset.busy;
      link.removeAttribute("aria-busy");
    });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-progress]") : null;
    if (!link || event.defaultPrevented || event.button !== 0) return;
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return; // the browser's
    event.preventDefault();
    if (link.dataset.busy) return; // one fetch of the file at a time
    download(link);
  });
})();
