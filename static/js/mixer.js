// A stem set's mixer: one transport for every stem, played together through one AudioContext (a media
// element source and a gain node per stem), with volume, mute and solo per stem. Only one thing plays in
// the studio: playing the mix pauses the bottom player, and the bottom player playing pauses the mix.
// window.StudioMixer exposes the state (gains, positions) for the browser tests.
(function () {
  "use strict";
  if (window.StudioMixer) return;  // boosted navigation may run this script again

  var DRIFT = 0.06;  // seconds: a stem further than this from the first is pulled back in line
  var mixer = null;  // {panel, context, stems: [{id, name, audio, gain, volume, muted, soloed}], playing}

  function formatTime(seconds) {
    if (!isFinite(seconds) || seconds < 0) seconds = 0;
    var whole = Math.floor(seconds);
    return Math.floor(whole / 60) + ":" + String(whole % 60).padStart(2, "0");
  }

  function sameOrigin(url) { return new URL(url, location.href).origin === location.origin; }

  function stemOf(row) {
    if (!mixer) return null;
    return mixer.stems.find(function (stem) { return stem.id === row.dataset.clipId; }) || null;
  }

  function master() { return mixer && mixer.stems.length ? mixer.stems[0].audio : null; }

  // A stem's gain: its volume, unless muted, or another stem is soloed and this one isn't.
  function effectiveGain(stem) {
    var anySolo = mixer.stems.some(function (s) { return s.soloed; });
    if (stem.muted || (anySolo && !stem.soloed)) return 0;
    return stem.volume;
  }

  function applyGains() {
    mixer.stems.forEach(function (stem) {
      var value = effectiveGain(stem);
      if (stem.gain) stem.gain.gain.value = value; else stem.audio.volume = value;
    });
  }

  // Every complete row on the page becomes a stem once (rows that finish later join on their swap).
  function addStems() {
    mixer.panel.querySelectorAll("[data-mixer-stem][data-src]").forEach(function (row) {
      var stem = stemOf(row);
      if (!stem) {
        var audio = new Audio();
        audio.preload = "auto";
        if (!sameOrigin(row.dataset.src)) audio.crossOrigin = "anonymous";
        audio.src = row.dataset.src;
        stem = { id: row.dataset.clipId, name: row.dataset.name, audio: audio, gain: null, volume: 1, muted: false, soloed: false };
        if (mixer.context) connect(stem);
        if (mixer.stems.length === 0) watchMaster(audio);
        mixer.stems.push(stem);
        if (mixer.playing && master() !== audio) { audio.currentTime = master().currentTime; attempt(audio.play()); }
      }
      renderRow(row, stem);
    });
    applyGains();
    renderTime();
  }

  function connect(stem) {
    var source = mixer.context.createMediaElementSource(stem.audio);
    stem.gain = mixer.context.createGain();
    source.connect(stem.gain);
    stem.gain.connect(mixer.context.destination);
    stem.audio.volume = 1;
  }

  function ensureContext() {
    if (mixer.context) return;
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;  // no Web Audio: the elements' own volume does the mixing
    mixer.context = new Context();
    mixer.stems.forEach(connect);
  }

  function watchMaster(audio) {
    ["timeupdate", "durationchange", "loadedmetadata", "seeked"].forEach(function (name) {
      audio.addEventListener(name, function () { renderTime(); keepInSync(); });
    });
    audio.addEventListener("ended", function () { pause(); });
  }

  function keepInSync() {
    var lead = master();
    if (!mixer.playing || !lead) return;
    mixer.stems.forEach(function (stem) {
      if (stem.audio !== lead && Math.abs(stem.audio.currentTime - lead.currentTime) > DRIFT) stem.audio.currentTime = lead.currentTime;
    });
  }

  function attempt(promise) { if (promise && promise.catch) promise.catch(function () {}); }

  function play() {
    if (!mixer.stems.length) return;
    ensureContext();
    if (mixer.context && mixer.context.state === "suspended") attempt(mixer.context.resume());
    var player = window.StudioPlayer && window.StudioPlayer.audio;
    if (player && !player.paused) player.pause();
    var at = master().currentTime;
    mixer.stems.forEach(function (stem) { stem.audio.currentTime = at; });
    mixer.playing = true;
    renderPlaying();
    // Start together: once every stem can play from here, all in the same task.
    var run = mixer;
    Promise.all(mixer.stems.map(ready)).then(function () {
      if (mixer !== run || !mixer.playing) return;  // paused, or left the page, while loading
      mixer.stems.forEach(function (stem) { attempt(stem.audio.play()); });
    });
  }

  function ready(stem) {
    var audio = stem.audio;
    if (audio.readyState >= 3 && !audio.seeking) return Promise.resolve();  // HAVE_FUTURE_DATA
    return new Promise(function (resolve) {
      function done() { audio.removeEventListener("canplay", done); audio.removeEventListener("error", done); resolve(); }
      audio.addEventListener("canplay", done);
      audio.addEventListener("error", done);  // a stem that can't load must not hold the others back
    });
  }

  function pause() {
    if (!mixer) return;
    mixer.playing = false;
    mixer.stems.forEach(function (stem) { stem.audio.pause(); });
    renderPlaying();
  }

  function seek(seconds) {
    mixer.stems.forEach(function (stem) { stem.audio.currentTime = seconds; });
  }

  function renderPlaying() {
    var button = mixer.panel.querySelector("[data-mixer-toggle]");
    button.setAttribute("aria-label", mixer.playing ? "Pause the stems" : "Play the stems");
    button.querySelector("[data-mixer-icon]").textContent = mixer.playing ? "❚❚" : "▶";
    mixer.panel.classList.toggle("is-playing", mixer.playing);
  }

  function renderTime() {
    var lead = master();
    if (!lead) return;
    var total = isFinite(lead.duration) ? lead.duration : 0;
    var seekBar = mixer.panel.querySelector("[data-mixer-seek]");
    seekBar.max = total ? total.toFixed(2) : "0";
    if (!seekBar.matches(":active")) seekBar.value = lead.currentTime.toFixed(2);
    seekBar.setAttribute("aria-valuetext", formatTime(lead.currentTime) + " of " + formatTime(total));
    mixer.panel.querySelector("[data-mixer-time]").textContent = formatTime(lead.currentTime);
    mixer.panel.querySelector("[data-mixer-duration]").textContent = formatTime(total);
  }

  function renderRow(row, stem) {
    var mute = row.querySelector("[data-mixer-mute]");
    var solo = row.querySelector("[data-mixer-solo]");
    var volume = row.querySelector("[data-mixer-volume]");
    if (mute) mute.setAttribute("aria-pressed", stem.muted ? "true" : "false");
    if (solo) solo.setAttribute("aria-pressed", stem.soloed ? "true" : "false");
    if (volume && parseFloat(volume.value) !== stem.volume) volume.value = String(stem.volume);
    if (volume) volume.setAttribute("aria-valuetext", Math.round(stem.volume * 100) + "%");
    row.classList.toggle("is-silent", effectiveGain(stem) === 0);
  }

  function renderRows() {
    mixer.panel.querySelectorAll("[data-mixer-stem][data-src]").forEach(function (row) {
      var stem = stemOf(row);
      if (stem) renderRow(row, stem);
    });
  }

  function teardown() {
    pause();
    mixer.stems.forEach(function (stem) { stem.audio.removeAttribute("src"); stem.audio.load(); });
    if (mixer.context) attempt(mixer.context.close());
    mixer = null;
  }

  // The page came (a load or a boosted navigation) or a row swapped: (re)attach to the panel.
  function attach() {
    var panel = document.querySelector("[data-mixer]");
    if (mixer && mixer.panel !== panel) teardown();
    if (!panel) return;
    if (!mixer) {
      mixer = { panel: panel, context: null, stems: [], playing: false };
      var player = window.StudioPlayer && window.StudioPlayer.audio;
      if (player && !player.dataset.mixerWatched) {
        player.dataset.mixerWatched = "1";
        player.addEventListener("play", function () { if (mixer && mixer.playing) pause(); });
      }
    }
    addStems();
  }

  document.addEventListener("click", function (event) {
    if (!mixer || !mixer.panel.contains(event.target)) return;
    var row = event.target.closest("[data-mixer-stem]");
    if (event.target.closest("[data-mixer-toggle]")) {
      if (mixer.playing) pause(); else play();
    } else if (row && stemOf(row) && event.target.closest("[data-mixer-mute]")) {
      stemOf(row).muted = !stemOf(row).muted;
      applyGains(); renderRows();
    } else if (row && stemOf(row) && event.target.closest("[data-mixer-solo]")) {
      stemOf(row).soloed = !stemOf(row).soloed;
      applyGains(); renderRows();
    }
  });
  document.addEventListener("input", function (event) {
    if (!mixer || !mixer.panel.contains(event.target)) return;
    if (event.target.matches("[data-mixer-seek]")) { seek(parseFloat(event.target.value) || 0); return; }
    var row = event.target.closest("[data-mixer-stem]");
    if (event.target.matches("[data-mixer-volume]") && row && stemOf(row)) {
      stemOf(row).volume = parseFloat(event.target.value) || 0;
      applyGains(); renderRows();
    }
  });
  document.addEventListener("htmx:load", attach);
  document.addEventListener("htmx:afterSettle", attach);

  window.StudioMixer = {
    play: function () { if (mixer) play(); },
    pause: pause,
    isPlaying: function () { return !!mixer && mixer.playing; },
    // {stem name: the gain it plays at now}; what the browser test reads back
    gains: function () {
      var out = {};
      if (mixer) mixer.stems.forEach(function (stem) { out[stem.name] = stem.gain ? stem.gain.gain.value : effectiveGain(stem); });
      return out;
    },
    positions: function () { return mixer ? mixer.stems.map(function (stem) { return stem.audio.currentTime; }) : []; },
    hasContext: function () { return !!mixer && !!mixer.context; }
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", attach); else attach();
})();
