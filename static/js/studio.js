// Small progressive enhancements. Every form works without this file.
(function () {
  "use strict";

  function setupSongForm(form) {
    var limits = JSON.parse(form.dataset.modelLimits || "{}");
    var modelSelect = form.querySelector("[name=model_version]");

    function limitFor(name, counter) {
      if (counter.dataset.max) return parseInt(counter.dataset.max, 10);
      var model = limits[modelSelect.value] || {};
      return model[name];
    }

    function updateCounters() {
      form.querySelectorAll("[data-counter-for]").forEach(function (counter) {
        var name = counter.dataset.counterFor;
        var field = form.querySelector("[name=" + name + "]");
        var max = limitFor(name, counter);
        if (!field || !max) return;
        var used = field.value.length;
        counter.textContent = used.toLocaleString() + " / " + max.toLocaleString();
        counter.classList.toggle("over", used > max);
        if (used > max || field.dataset.serverInvalid) field.setAttribute("aria-invalid", "true");
        else field.removeAttribute("aria-invalid");
      });
    }

    function updateMode() {
      var checked = form.querySelector("[name=mode]:checked");
      var mode = checked ? checked.value : "custom";
      form.querySelectorAll(".mode-panel").forEach(function (panel) {
        panel.hidden = panel.dataset.mode !== mode;
      });
    }

    form.querySelectorAll("[aria-invalid=true]").forEach(function (field) {
      field.dataset.serverInvalid = "true";
    });
    form.addEventListener("input", updateCounters);
    form.addEventListener("change", function () { updateCounters(); updateMode(); });
    // A second click while the first submit is on its way would send the same idempotency key anyway;
    // disabling the button just makes that visible.
    form.addEventListener("submit", function () {
      var button = form.querySelector(".generate-button");
      if (button) { button.setAttribute("aria-busy", "true"); button.textContent = "Sending…"; }
    });
    updateCounters();
    updateMode();
  }

  // htmx:load runs for the first page and for every page a boosted navigation brings in (and each swapped
  // partial): set up what is new, once.
  function within(root, selector) {
    var found = Array.prototype.slice.call(root.querySelectorAll ? root.querySelectorAll(selector) : []);
    if (root.matches && root.matches(selector)) found.unshift(root);
    return found;
  }

  // "Generating…" is news only while a take is in flight: once every take on the page is done, it goes.
  function dropFinishedNews() {
    var news = document.querySelectorAll("[data-message~=while-generating]");
    if (!news.length) return;
    var cards = document.querySelectorAll(".song-takes .clip-card");
    var working = Array.prototype.some.call(cards, function (card) {
      return !card.classList.contains("status-complete") && !card.classList.contains("status-error");
    });
    if (cards.length && !working) news.forEach(function (message) { message.remove(); });
  }

  var ready = new WeakSet();  // not a data- attribute: a restored history snapshot would carry it over
  document.addEventListener("htmx:load", function (event) {
    within(event.target, "form.song-form").forEach(function (form) {
      if (ready.has(form)) return;
      ready.add(form);
      setupSongForm(form);
    });
    dropFinishedNews();
  });
})();

// Play counts: one small POST on a player's first `play` event. The media URL itself never counts, so
// seeking (many Range requests) can't inflate a count; the server also dedupes per listener per hour.
(function () {
  "use strict";
  document.addEventListener("play", function (event) {
    var audio = event.target;
    if (!audio.dataset || !audio.dataset.playUrl || audio.dataset.playCounted) return;
    audio.dataset.playCounted = "true";
    var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    fetch(audio.dataset.playUrl, { method: "POST", headers: headers, credentials: "same-origin", keepalive: true })
      .catch(function () { /* a lost count is harmless */ });
  }, true);  // media events don't bubble: listen in the capture phase
})();
