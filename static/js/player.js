// The studio's one player: the bar at the foot of every page (templates/base.html, hx-preserve) with its
// one <audio>, one queue, the keyboard and the Media Session. Page content comes and goes through htmx's
// boosted navigation; the bar and its <audio> are moved, never re-created, so playback carries on.
// Every play button (templates/includes/play_button.html) hands its clip here; pages keep no <audio>.
(function () {
  "use strict";
  if (window.StudioPlayer) return;  // a second copy (a page that carried its own <script>) must not fork it

  var SEEK_STEP = 5;  // seconds, ← and →
  var RESTART_AFTER = 3;  // "previous" restarts the track when it has played longer than this

  var bar, audio, ui;
  var queue = [];
  var index = -1;

  function trackFrom(element) {
    var d = element.dataset;
    return {
      clipId: d.clipId || "",
      src: d.src || "",
      title: d.title || "Untitled",
      subtitle: d.subtitle || "",
      cover: d.cover || "",
      href: d.href || "",
      playUrl: d.playUrl || "",
      duration: parseFloat(d.duration) || 0
    };
  }

  function current() { return index >= 0 ? queue[index] : null; }
  function isCurrent(clipId) { var track = current(); return !!track && String(track.clipId) === String(clipId); }

  function formatTime(seconds) {
    if (!isFinite(seconds) || seconds < 0) return "–:––";
    var whole = Math.floor(seconds);
    return Math.floor(whole / 60) + ":" + String(whole % 60).padStart(2, "0");
  }

  function duration() {
    if (isFinite(audio.duration) && audio.duration > 0) return audio.duration;
    var track = current();
    return track ? track.duration : 0;  // a live stream reports Infinity until it ends
  }

  function attempt(promise) { if (promise && promise.catch) promise.catch(function () {}); }

  // --- What the bar shows -------------------------------------------------------------------------

  function render() {
    var track = current();
    if (!track) return;
    bar.hidden = false;
    ui.title.textContent = track.title;
    if (track.href) ui.title.setAttribute("href", track.href); else ui.title.removeAttribute("href");
    if (window.htmx) window.htmx.process(ui.title);  // boost the new link too: following it keeps the music
    ui.subtitle.textContent = track.subtitle;
    ui.cover.hidden = !track.cover;
    if (track.cover) ui.cover.src = track.cover; else ui.cover.removeAttribute("src");
    ui.prev.disabled = false;
    ui.next.disabled = index >= queue.length - 1;
    ui.position.textContent = queue.length > 1 ? (index + 1) + " of " + queue.length : "";
    renderTime();
    renderPlaying();
  }

  function renderTime() {
    var total = duration();
    ui.seek.max = total ? total.toFixed(2) : "0";
    ui.seek.disabled = !total;
    if (!ui.seek.matches(":active")) ui.seek.value = audio.currentTime.toFixed(2);
    ui.seek.setAttribute("aria-valuetext", formatTime(audio.currentTime) + " of " + formatTime(total));
    ui.time.textContent = formatTime(audio.currentTime);
    ui.total.textContent = total ? formatTime(total) : "live";
  }

  function renderPlaying() {
    var playing = !audio.paused && !audio.ended;
    bar.classList.toggle("is-playing", playing);
    ui.toggle.setAttribute("aria-label", playing ? "Pause" : "Play");
    ui.toggle.querySelector(".player-icon").textContent = playing ? "❚❚" : "▶";
    syncButtons(document);
    if ("mediaSession" in navigator) navigator.mediaSession.playbackState = current() ? (playing ? "playing" : "paused") : "none";
  }

  // Every play button of the current clip shows that it is playing (aria-pressed), wherever it is.
  function syncButtons(root) {
    var track = current();
    var playing = !audio.paused && !audio.ended;
    (root.querySelectorAll ? root : document).querySelectorAll("[data-play]").forEach(function (button) {
      var on = !!track && button.dataset.clipId === String(track.clipId);
      button.setAttribute("aria-pressed", on && playing ? "true" : "false");
      button.classList.toggle("is-current", on);
    });
  }

  // "Play all" waits until its list has something to play (takes still being made have no button yet).
  function syncPlayAll() {
    document.querySelectorAll("[data-play-all]").forEach(function (button) {
      var list = button.dataset.playAll ? document.querySelector(button.dataset.playAll) : button.closest("[data-play-queue]");
      button.disabled = !list || !list.querySelector("[data-play][data-src]:not([data-src=''])");
    });
  }

  function announce(track) {
    document.dispatchEvent(new CustomEvent("player:trackchange", { detail: { track: track, audio: audio } }));
  }

  // --- Loading and playing ------------------------------------------------------------------------

  function load(position, startAt) {
    index = position;
    var track = current();
    audio.dataset.clipId = track.clipId;
    // Play counts (static/js/studio.js): a public page's track carries its count URL, counted on first play.
    if (track.playUrl) audio.dataset.playUrl = track.playUrl; else delete audio.dataset.playUrl;
    delete audio.dataset.playCounted;
    audio.src = track.src;
    if (startAt) {
      audio.addEventListener("loadedmetadata", function () { audio.currentTime = startAt; }, { once: true });
    }
    setMetadata(track);
    render();
    announce(track);
  }

  function playAt(position, startAt) {
    if (position < 0 || position >= queue.length) return;
    load(position, startAt);
    attempt(audio.play());
  }

  // Play `track` now. `list` (the buttons' queue) replaces the queue; without one the queue is this track.
  function play(track, list, startAt) {
    if (isCurrent(track.clipId)) {
      if (startAt !== undefined) audio.currentTime = startAt;
      if (audio.paused || startAt !== undefined) attempt(audio.play()); else audio.pause();
      return;
    }
    queue = list && list.length ? list : [track];
    var position = queue.findIndex(function (t) { return String(t.clipId) === String(track.clipId); });
    if (position < 0) { queue = [track]; position = 0; }
    playAt(position, startAt);
  }

  function playNext(track) {
    var now = current();
    if (!now) { play(track); return; }
    if (isCurrent(track.clipId)) return;
    queue = queue.filter(function (t) { return t === now || String(t.clipId) !== String(track.clipId); });
    index = queue.indexOf(now);
    queue.splice(index + 1, 0, track);
    render();
  }

  function toggle() {
    if (!current()) return;
    if (audio.paused || audio.ended) attempt(audio.play()); else audio.pause();
  }

  function next() { if (index < queue.length - 1) playAt(index + 1); }

  function previous() {
    if (!current()) return;
    if (audio.currentTime > RESTART_AFTER || index === 0) { audio.currentTime = 0; attempt(audio.play()); }
    else playAt(index - 1);
  }

  function seekBy(seconds) {
    if (!current()) return;
    var total = duration();
    var target = audio.currentTime + seconds;
    audio.currentTime = Math.max(0, total ? Math.min(total, target) : target);
  }

  function seekTo(seconds) { if (current()) audio.currentTime = Math.max(0, seconds); }

  // The buttons of a list, in page order, without repeats: that list's queue.
  function queueOf(container) {
    var seen = {};
    var tracks = [];
    container.querySelectorAll("[data-play]").forEach(function (button) {
      var track = trackFrom(button);
      if (!track.src || seen[track.clipId]) return;
      seen[track.clipId] = true;
      tracks.push(track);
    });
    return tracks;
  }

  // Lets other scripts (the clip page's waveform and karaoke) play a clip whose button is on the page.
  function playClip(clipId, startAt) {
    if (isCurrent(clipId)) { play(current(), null, startAt); return; }
    var button = document.querySelector('[data-play][data-clip-id="' + clipId + '"]');
    if (!button) return;
    var container = button.closest("[data-play-queue]");
    play(trackFrom(button), container ? queueOf(container) : null, startAt || 0);
  }

  // --- Media Session: lock screen, headset and keyboard media keys -----------------------------------

  function setMetadata(track) {
    if (!("mediaSession" in navigator) || typeof MediaMetadata === "undefined") return;
    var artwork = track.cover ? [{ src: new URL(track.cover, location.href).href, sizes: "512x512" }] : [];
    navigator.mediaSession.metadata = new MediaMetadata({
      title: track.title, artist: track.subtitle, album: "Suno Studio", artwork: artwork
    });
  }

  function setPositionState() {
    if (!("mediaSession" in navigator) || !navigator.mediaSession.setPositionState) return;
    var total = duration();
    if (!total || !isFinite(total)) return;
    try {
      navigator.mediaSession.setPositionState({
        duration: total, playbackRate: audio.playbackRate || 1, position: Math.min(audio.currentTime, total)
      });
    } catch (error) { /* a position past a stream's duration estimate: skip this update */ }
  }

  function registerMediaSession() {
    if (!("mediaSession" in navigator)) return;
    var handlers = {
      play: function () { if (current()) attempt(audio.play()); },
      pause: function () { audio.pause(); },
      seekbackward: function (details) { seekBy(-((details && details.seekOffset) || SEEK_STEP * 2)); },
      seekforward: function (details) { seekBy((details && details.seekOffset) || SEEK_STEP * 2); },
      seekto: function (details) {
        if (details.fastSeek && audio.fastSeek) audio.fastSeek(details.seekTime); else seekTo(details.seekTime);
      },
      previoustrack: previous,
      nexttrack: next
    };
    Object.keys(handlers).forEach(function (action) {
      try { navigator.mediaSession.setActionHandler(action, handlers[action]); } catch (error) { /* not supported here */ }
    });
  }

  // --- Keyboard: space, ← →, n p, unless the key belongs to what has focus -------------------------

  function ownsKey(target, key) {
    if (!target || !target.closest) return false;
    if (target.closest("input, textarea, select, [contenteditable=''], [contenteditable=true]")) return true;
    if (key === " " && target.closest("button, a[href], summary, [role=button], [role=checkbox], [role=switch], label")) return true;
    return false;
  }

  function onKeydown(event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || !current()) return;
    if (ownsKey(event.target, event.key)) return;
    var action = { " ": toggle, ArrowLeft: function () { seekBy(-SEEK_STEP); }, ArrowRight: function () { seekBy(SEEK_STEP); },
      n: next, N: next, p: previous, P: previous }[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  }

  // --- Only one thing ever plays ---------------------------------------------------------------------

  function onAnyPlay(event) {
    var media = event.target;
    if (media === audio) {
      document.querySelectorAll("audio, video").forEach(function (other) { if (other !== audio && !other.paused) other.pause(); });
    } else if (media instanceof HTMLMediaElement && !audio.paused) {
      audio.pause();
    }
  }

  // --- Clicks on play buttons anywhere -----------------------------------------------------------------

  function onClick(event) {
    var target = event.target.closest("[data-play], [data-play-next], [data-play-all], [data-player-action]");
    if (!target || target.disabled) return;
    if (target.matches("[data-player-action]")) {
      ({ toggle: toggle, next: next, previous: previous })[target.dataset.playerAction]();
    } else if (target.matches("[data-play]")) {
      var container = target.closest("[data-play-queue]");
      play(trackFrom(target), container ? queueOf(container) : null);
    } else if (target.matches("[data-play-next]")) {
      playNext(trackFrom(target));
      var label = target.querySelector(".play-next-label");
      if (label) label.textContent = "Queued next";
    } else {
      var list = target.dataset.playAll ? document.querySelector(target.dataset.playAll) : target.closest("[data-play-queue]");
      var tracks = list ? queueOf(list) : [];
      if (tracks.length) { queue = tracks; playAt(0); }
    }
  }

  function init() {
    bar = document.getElementById("player");
    audio = document.getElementById("player-audio");
    if (!bar || !audio || ui) return;
    ui = {
      cover: bar.querySelector(".player-cover"),
      title: bar.querySelector(".player-title"),
      subtitle: bar.querySelector(".player-subtitle"),
      toggle: bar.querySelector("[data-player-action=toggle]"),
      prev: bar.querySelector("[data-player-action=previous]"),
      next: bar.querySelector("[data-player-action=next]"),
      seek: bar.querySelector(".player-seek"),
      time: bar.querySelector(".player-time"),
      total: bar.querySelector(".player-duration"),
      position: bar.querySelector(".player-position")
    };
    ["play", "pause", "ended"].forEach(function (name) { audio.addEventListener(name, renderPlaying); });
    audio.addEventListener("ended", function () { if (index < queue.length - 1) next(); });
    ["timeupdate", "durationchange", "loadedmetadata", "seeked"].forEach(function (name) {
      audio.addEventListener(name, function () { renderTime(); setPositionState(); });
    });
    ui.seek.addEventListener("input", function () { seekTo(parseFloat(ui.seek.value)); });
    document.addEventListener("click", onClick);
    document.addEventListener("keydown", onKeydown);
    document.addEventListener("play", onAnyPlay, true);  // media events don't bubble: capture
    document.addEventListener("htmx:load", function (event) { syncButtons(event.target); syncPlayAll(); });
    registerMediaSession();
  }

  window.StudioPlayer = {
    playClip: playClip,
    isCurrent: isCurrent,
    current: current,
    get audio() { return audio; },
    toggle: toggle,
    next: next,
    previous: previous,
    queue: function () { return queue.map(function (t) { return t.clipId; }); }
  };

  document.addEventListener("DOMContentLoaded", init);
})();

// Boosted navigation (hx-boost on <body>): the server sees an ordinary page load, error pages show, the
// CSRF header follows a new session, and focus and the heading go to the new page, as after a real load.
(function () {
  "use strict";

  if (window.studioBoostReady) return;
  window.studioBoostReady = true;

  var NOT_BOOSTED = "a[download], a[href^='/admin/'], a[href*='/media/'], a[href*='/audio/'], a[href*='?download=']";
  var focusAfterSwap = false;

  // Downloads, media files and the admin must be real navigations (htmx would fetch them into the page).
  document.addEventListener("htmx:beforeProcessNode", function (event) {
    var root = event.target;
    if (!root.querySelectorAll) return;
    if (root.matches(NOT_BOOSTED)) root.setAttribute("hx-boost", "false");
    root.querySelectorAll(NOT_BOOSTED).forEach(function (link) { link.setAttribute("hx-boost", "false"); });
  });

  // The views answer HX-Request with partials; a boosted page load wants the whole page, like a reload.
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.boosted) delete event.detail.headers["HX-Request"];
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    if (!detail.boosted) return;
    var status = detail.xhr.status;
    if (status >= 500 && detail.requestConfig.verb === "get") {
      // The 500 page stands alone (its own style, no player): show it as a real page load would.
      detail.shouldSwap = false;
      window.location.assign(detail.xhr.responseURL || detail.requestConfig.path);
      return;
    }
    if (status >= 400) { detail.shouldSwap = true; detail.isError = false; }
    if (!detail.shouldSwap) return;
    focusAfterSwap = true;
    // A log-in or log-out rotates the CSRF token: take the new page's header, as a reload would.
    var tag = /<body\b[^>]*>/i.exec(detail.serverResponse || "");
    if (tag) {
      var parsed = new DOMParser().parseFromString(tag[0] + "</body>", "text/html");
      var headers = parsed.body.getAttribute("hx-headers");
      if (headers) document.body.setAttribute("hx-headers", headers);
    }
  });

  function focusMain() {
    var main = document.getElementById("main");
    if (!main) return;
    // A form sent back with an error marks its first wrong field autofocus (songs.forms.FocusFirstError):
    // the focus goes there, into view, rather than to the heading at the top of a long page.
    var wanted = main.querySelector("[autofocus][aria-invalid=true]");
    if (wanted) {
      wanted.focus({ preventScroll: true });
      requestAnimationFrame(function () { wanted.scrollIntoView({ block: "center" }); });  // after htmx scrolls to top
      return;
    }
    var heading = main.querySelector("h1") || main;
    if (!heading.hasAttribute("tabindex")) heading.setAttribute("tabindex", "-1");
    heading.focus({ preventScroll: true });
  }

  document.addEventListener("htmx:afterSettle", function () {
    if (!focusAfterSwap) return;
    focusAfterSwap = false;
    focusMain();
  });
  document.addEventListener("htmx:historyRestore", focusMain);
})();
