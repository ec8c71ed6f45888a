// Clip tools: the waveform and its extend marker, karaoke highlighting and seeking, "use player position",
// section-tag buttons, and filling the create form with lyrics the music service wrote. Everything follows
// the studio's one player (static/js/player.js) and is delegated from document, so it keeps working on
// content htmx swaps in later.
(function () {
  "use strict";

  function player() { return window.StudioPlayer; }
  function playerAudio() { return player() && player().audio; }
  // The player's position in this clip, or null when it is on another track (or none).
  function positionIn(clipId) {
    return player() && player().isCurrent(clipId) ? playerAudio().currentTime : null;
  }

  function highlight(karaoke, time) {
    var current = null;
    karaoke.querySelectorAll(".karaoke-line").forEach(function (line) {
      var on = time >= parseFloat(line.dataset.start) && time < parseFloat(line.dataset.end) + 0.35;
      if (on && !current) current = line;
    });
    karaoke.querySelectorAll(".karaoke-line").forEach(function (line) {
      var active = line === current;
      line.classList.toggle("is-current", active);
      if (active) line.setAttribute("aria-current", "true"); else line.removeAttribute("aria-current");
      line.querySelectorAll(".karaoke-word").forEach(function (word) {
        var sung = active && time >= parseFloat(word.dataset.start);
        word.classList.toggle("is-sung", sung);
        word.classList.toggle("is-current", sung && time < parseFloat(word.dataset.end));
      });
    });
    if (current && current.dataset.scrolled !== "1") {
      karaoke.querySelectorAll("[data-scrolled]").forEach(function (l) { delete l.dataset.scrolled; });
      current.dataset.scrolled = "1";
      var top = current.offsetTop - karaoke.offsetTop - karaoke.clientHeight / 3;
      karaoke.scrollTo({ top: Math.max(0, top), behavior: "smooth" });
    }
  }

  // timeupdate doesn't bubble: listen in the capture phase. Only the one player's time of this clip counts.
  document.addEventListener("timeupdate", function (event) {
    var audio = event.target;
    if (audio !== playerAudio() || !audio.dataset.clipId) return;
    document.querySelectorAll('.karaoke[data-clip-id="' + audio.dataset.clipId + '"]').forEach(function (karaoke) {
      highlight(karaoke, audio.currentTime);
    });
  }, true);

  function seekTo(line) {
    var karaoke = line.closest(".karaoke");
    if (!karaoke || !player()) return;
    var start = parseFloat(line.dataset.start);
    player().playClip(karaoke.dataset.clipId, start);
    highlight(karaoke, start);
  }

  function insertTag(button) {
    var form = button.closest("form");
    var area = form && form.querySelector("textarea[name=lyrics]");
    if (!area) return;
    var tag = button.dataset.insertTag;
    var start = area.selectionStart, end = area.selectionEnd, value = area.value;
    var before = value.slice(0, start);
    var prefix = before && !before.endsWith("\n") ? "\n" : "";
    var text = prefix + tag + "\n";
    area.value = before + text + value.slice(end);
    area.selectionStart = area.selectionEnd = start + text.length;
    area.focus();
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function usePosition(button) {
    var form = button.closest("form");
    var input = form.querySelector("[name=continue_at]");
    var position = positionIn(form.dataset.clipId);
    var hint = form.querySelector(".continue-at-hint");
    if (!input) return;
    if (position === null) {
      if (hint) hint.textContent = "Play this take first: the player is on another track.";
      return;
    }
    input.value = position.toFixed(2);
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-insert-tag], [data-use-position], .karaoke-line, [data-use-lyrics]");
    if (!target) return;
    if (target.matches("[data-insert-tag]")) insertTag(target);
    else if (target.matches("[data-use-position]")) usePosition(target);
    else if (target.matches("[data-use-lyrics]")) fillLyrics(target.closest("[data-lyrics-draft]"), true);
    else seekTo(target);
  });
  document.addEventListener("keydown", function (event) {
    if ((event.key === "Enter" || event.key === " ") && event.target.matches(".karaoke-line")) {
      event.preventDefault();
      seekTo(event.target);
    }
  });

  // A finished lyric draft fills title and lyrics once; nothing else in the form is touched.
  function fillLyrics(draft, force) {
    if (!draft || (draft.dataset.applied && !force)) return;
    var form = document.querySelector("form.song-form");
    var payload = draft.querySelector("script[type='application/json']");
    if (!form || !payload) return;
    var lyrics = JSON.parse(payload.textContent);
    var title = form.querySelector("[name=title]");
    var area = form.querySelector("[name=lyrics]");
    if (title && lyrics.title) title.value = lyrics.title;
    if (area) { area.value = lyrics.text; area.dispatchEvent(new Event("input", { bubbles: true })); }
    draft.dataset.applied = "1";
  }

  function scan(root) {
    (root || document).querySelectorAll("[data-lyrics-draft][data-state=complete]").forEach(function (d) { fillLyrics(d, false); });
  }
  document.addEventListener("htmx:load", function (event) { scan(event.target.parentNode || document); });
})();

// The clip page's waveform: wavesurfer.js draws the peaks the worker stored (songs/peaks.py; the browser
// decodes nothing) and drives the studio's one player. While the player is on this clip the waveform uses
// its <audio> (setMediaElement), so clicks seek it and its progress shows; while the player is on another
// track the waveform rests on an idle stand-in, and a click plays this clip from there. A marker picks the
// extend point and fills the extend form's "continue at" field. Without peaks: a plain seek bar.
(function () {
  "use strict";

  var views = [];
  var seen = new WeakSet();  // elements set up already (a history restore brings new ones, set up again)

  function player() { return window.StudioPlayer; }

  function styleNonce() {
    var meta = document.querySelector("meta[name=csp-style-nonce]");
    return meta ? meta.content : "";
  }

  function colours(element) {
    var style = getComputedStyle(element);
    function read(name, fallback) { return style.getPropertyValue(name).trim() || fallback; }
    return {
      wave: read("--waveform-wave", "#9aa3b5"),
      progress: read("--waveform-progress", "#0172ad"),
      cursor: read("--waveform-cursor", "#0172ad"),
      marker: read("--waveform-marker", "#d93526"),
      replace: read("--waveform-replace", "rgba(1, 114, 173, 0.22)")
    };
  }

  function bind(view) {
    var on = !!player() && player().isCurrent(view.clipId);
    if (on === view.bound) return;
    view.bound = on;
    view.element.classList.toggle("is-bound", on);
    if (!view.ws) return;
    var audio = player().audio;
    view.ws.setMediaElement(on ? audio : view.idle);
    if (!on) view.ws.setTime(0);
    else if (audio.paused) view.ws.setTime(audio.currentTime);  // draw where the paused player stands
  }

  function extendInput(clipId) {
    var form = document.querySelector('form.extend-form[data-clip-id="' + clipId + '"]');
    return form && form.querySelector("[name=continue_at]");
  }

  function addMarker(view, regions, colour) {
    var input = extendInput(view.clipId);
    if (!input) return;
    var start = parseFloat(input.value);
    // Unset: near the end (the line stays drawn inside the waveform, where it can be caught).
    if (!(start >= 0 && start <= view.duration)) start = Math.max(0, view.duration - 0.5);
    // Only once the waveform knows its duration: a marker made before is clamped to 0.
    var marker = regions.addRegion({ start: start, content: "Extend from here", color: colour, drag: true, resize: false });
    // Its label sits on the side with room: right of the line in the first half, left of it in the second.
    function placeLabel() {
      if (marker.content) marker.content.style.transform = marker.start > view.duration / 2 ? "translateX(calc(-100% - 6px))" : "";
    }
    placeLabel();
    marker.on("update", placeLabel);
    marker.on("render", placeLabel);
    regions.on("region-updated", function (region) {
      if (region !== marker) return;
      input.value = region.start.toFixed(2);
      input.dispatchEvent(new Event("input", { bubbles: true }));
    });
    // Typed, or "Use player position": the marker follows the field.
    input.addEventListener("input", function () {
      var value = parseFloat(input.value);
      if (value >= 0 && value <= view.duration && Math.abs(value - marker.start) > 0.005) marker.setOptions({ start: value });
    });
    view.marker = marker;
  }

  // Replace a section: a drag across the waveform draws the window (a region), which can then be dragged or
  // stretched; the form's start and end fields follow it, and typing in them moves it. One window at a time.
  function replaceForm(clipId) {
    return document.querySelector('form.replace-form[data-clip-id="' + clipId + '"]');
  }

  function clock(seconds) {
    var whole = Math.floor(seconds);
    return Math.floor(whole / 60) + ":" + String(whole % 60).padStart(2, "0");
  }

  function addReplaceWindow(view, regions, colour) {
    var form = replaceForm(view.clipId);
    var start = form && form.querySelector("[name$=start_s]");
    var end = form && form.querySelector("[name$=end_s]");
    if (!start || !end) return;
    var hint = form.querySelector(".replace-window-hint");
    var window_ = null;
    function valid(from, to) { return from >= 0 && to > from && to <= view.duration; }
    function describe() {
      if (!hint) return;
      var from = parseFloat(start.value), to = parseFloat(end.value);
      hint.textContent = valid(from, to) ? "Replacing " + clock(from) + "–" + clock(to) + " (" + (to - from).toFixed(2) + " s)." : "";
    }
    function fill(region) {
      start.value = region.start.toFixed(2);
      end.value = region.end.toFixed(2);
      describe();
    }
    function adopt(region) {
      if (window_ && window_ !== region) window_.remove();
      window_ = region;
      region.setOptions({ color: colour, content: "Replace", drag: true, resize: true });
      fill(region);
    }
    function show(from, to) {
      if (window_) window_.setOptions({ start: from, end: to });
      else adopt(regions.addRegion({ start: from, end: to, color: colour, content: "Replace", drag: true, resize: true }));
    }
    regions.on("region-created", function (region) {
      if (region === window_ || region === view.marker || region.end - region.start < 0.01) return;
      adopt(region);  // drawn by a drag across the waveform: it replaces the window there was
    });
    regions.on("region-update", function (region) { if (region === window_) fill(region); });
    regions.on("region-updated", function (region) { if (region === window_) fill(region); });
    regions.enableDragSelection({ color: colour });
    [start, end].forEach(function (input) {
      input.addEventListener("input", function () {
        var from = parseFloat(start.value), to = parseFloat(end.value);
        describe();
        if (valid(from, to) && (!window_ || Math.abs(window_.start - from) > 0.005 || Math.abs(window_.end - to) > 0.005)) show(from, to);
      });
    });
    // A form sent back with an error keeps what was typed: its window shows again.
    if (valid(parseFloat(start.value), parseFloat(end.value))) show(parseFloat(start.value), parseFloat(end.value));
    view.replaceWindow = function () { return window_; };
  }

  function setupWaveform(view, peaks) {
    var canvas = view.element.querySelector(".waveform-canvas");
    canvas.replaceChildren();  // a restored history snapshot keeps the old, empty host
    var colour = colours(view.element);
    var regions = window.WaveSurfer.Regions.create();
    view.idle = document.createElement("audio");
    view.ws = window.WaveSurfer.create({
      container: canvas, media: view.idle, peaks: [peaks], duration: view.duration, normalize: false,
      height: 88, barWidth: 2, barGap: 1, barRadius: 1, cursorWidth: 2,
      waveColor: colour.wave, progressColor: colour.progress, cursorColor: colour.cursor,
      interact: true, cspNonce: styleNonce(), plugins: [regions]
    });
    view.ws.on("interaction", function (time) { if (!view.bound) player().playClip(view.clipId, time); });
    view.ws.once("ready", function () {
      addMarker(view, regions, colour.marker);
      addReplaceWindow(view, regions, colour.replace);
    });
  }

  function setupSeekBar(view) {
    var range = view.element.querySelector(".clip-seek");
    if (!range) return;
    range.hidden = false;
    view.range = range;
    range.addEventListener("input", function () {
      var at = parseFloat(range.value);
      if (view.bound) player().audio.currentTime = at; else player().playClip(view.clipId, at);
    });
  }

  function setup(element) {
    if (seen.has(element) || !player()) return;
    seen.add(element);
    var view = { element: element, clipId: element.dataset.clipId, duration: parseFloat(element.dataset.duration) || 0, bound: false };
    var payload = document.getElementById(element.dataset.peaks || "");
    var peaks = payload ? JSON.parse(payload.textContent) : [];
    if (window.WaveSurfer && window.WaveSurfer.Regions && peaks.length && view.duration) setupWaveform(view, peaks);
    else setupSeekBar(view);
    element.classList.toggle("has-waveform", !!view.ws);
    views.push(view);
    bind(view);
  }

  document.addEventListener("htmx:load", function (event) {
    // A boosted navigation took the old page away: let go of its waveforms (never of the player's <audio>).
    views = views.filter(function (view) {
      if (view.element.isConnected) return true;
      if (view.ws) view.ws.destroy();
      return false;
    });
    var root = event.target;
    var found = root.querySelectorAll ? Array.prototype.slice.call(root.querySelectorAll("[data-waveform]")) : [];
    if (root.matches && root.matches("[data-waveform]")) found.push(root);
    found.forEach(setup);
  });
  document.addEventListener("player:trackchange", function () { views.forEach(bind); });
  document.addEventListener("timeupdate", function (event) {
    if (!player() || event.target !== player().audio) return;
    views.forEach(function (view) {
      if (view.bound && view.range) view.range.value = event.target.currentTime.toFixed(2);
    });
  }, true);

  // Light and dark: the canvas colours come from CSS custom properties, read again when the scheme flips.
  if (window.matchMedia) {
    window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", function () {
      views.forEach(function (view) {
        if (!view.ws) return;
        var colour = colours(view.element);
        view.ws.setOptions({ waveColor: colour.wave, progressColor: colour.progress, cursorColor: colour.cursor });
      });
    });
  }
})();
