// Live pages (issue 18): a page with any [data-live] element opens one EventSource on /live;
// each notification the console sends is only a name ("stock-changed", "batch-completed"),
// dispatched here as a `jejak:<name>` event on document.body, where the element's own
// hx-trigger="jejak:<name> from:body" fetches its fragment again with the person's session.
// EventSource reconnects by itself (the console's `retry:`); after a reconnection the page may
// have missed news, so every live element is told once. An ended session answers /live with
// the sign-in page, which is not an event stream: EventSource then stops for good.
(function () {
  "use strict";
  var NAME = /^[a-z][a-z-]{0,40}$/;

  function tell(name) {
    document.body.dispatchEvent(new CustomEvent("jejak:" + name, { bubbles: true }));
  }

  function namesOnPage() {
    var names = {};
    document.querySelectorAll("[data-live]").forEach(function (element) {
      names[element.getAttribute("data-live")] = true;
    });
    return Object.keys(names);
  }

  function listen() {
    if (!namesOnPage().length || !window.EventSource) {
      return;
    }
    var source = new EventSource("/live");
    var lost = false;
    source.onmessage = function (message) {
      if (NAME.test(message.data)) {
        tell(message.data);
      }
    };
    source.onerror = function () {
      lost = true;
    };
    source.onopen = function () {
      if (lost) {
        lost = false;
        namesOnPage().forEach(tell);
      }
    };
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", listen);
  } else {
    listen();
  }
})();
