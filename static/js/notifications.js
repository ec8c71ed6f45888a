// The bell (templates/notifications/bell.html): it refreshes every 15 s; an open list isn't swapped away,
// and a notification newer than any this browser has seen raises a browser notification when the tab is
// in the background. Permission is asked on the first Generate, never on page load.
(function () {
  "use strict";
  var SEEN = "studio-newest-notification";

  function isBell(element) { return element && element.id === "notification-bell"; }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var polled = event.detail.requestConfig && event.detail.requestConfig.verb === "get";
    if (polled && isBell(event.detail.target) && event.detail.target.querySelector("details[open]")) {
      event.detail.shouldSwap = false;  // the creator is reading the list: the next poll after it closes
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (!isBell(event.detail.target)) return;
    var bell = event.detail.target.querySelector("details.bell");
    if (!bell) return;
    var newest = parseInt(bell.dataset.newestId || "0", 10);
    var stored = window.localStorage.getItem(SEEN);
    window.localStorage.setItem(SEEN, String(Math.max(newest, parseInt(stored || "0", 10))));
    if (stored === null || newest <= parseInt(stored, 10)) return;  // a first look announces nothing old
    if (!document.hidden || !("Notification" in window) || Notification.permission !== "granted") return;
    var shown = new Notification("Suno Studio", { body: bell.dataset.newestMessage, tag: "studio-" + newest });
    shown.onclick = function () {
      window.focus();
      if (bell.dataset.newestUrl) window.location.assign(bell.dataset.newestUrl);
      shown.close();
    };
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form.song-form, form[data-asks-notifications]")) return;
    if ("Notification" in window && Notification.permission === "default") {
      Notification.requestPermission().catch(function () { /* declined or unsupported: the bell still works */ });
    }
  }, true);
})();
