// A/B on the song page: one transport (the studio's one player, static/js/player.js) and a toggle that
// switches between take 1 and take 2 at the same moment, so the creator hears the difference, not a
// restart. The button or the B key; "Keep take N" is a plain form (Song.preferred_take).
(function () {
  "use strict";
  if (window.studioAB) return;  // boosted navigation may run this script again
  window.studioAB = true;

  function panel() { return document.querySelector("[data-ab]"); }

  function sides(element) { return [element.dataset.abA, element.dataset.abB]; }

  function currentSide(element) {
    var player = window.StudioPlayer;
    var track = player && player.current();
    if (!track) return -1;
    return sides(element).indexOf(String(track.clipId));
  }

  // Take 1 ⇄ take 2 at the playing position; with neither playing, take 1 from the start.
  function switchTakes() {
    var element = panel();
    var player = window.StudioPlayer;
    if (!element || !player) return;
    var ids = sides(element);
    var side = currentSide(element);
    if (side < 0) { player.playClip(ids[0], 0); return; }
    var position = player.audio.currentTime;
    player.playClip(ids[1 - side], position);
  }

  function render() {
    var element = panel();
    if (!element) return;
    var side = currentSide(element);
    var toggle = element.querySelector("[data-ab-toggle]");
    var now = element.querySelector("[data-ab-now]");
    toggle.setAttribute("aria-pressed", side === 1 ? "true" : "false");
    toggle.setAttribute("aria-label", side === 1 ? "A/B: on take 2, switch to take 1" : side === 0
      ? "A/B: on take 1, switch to take 2" : "A/B: start with take 1");
    now.textContent = side === 1 ? "B: take 2" : "A: take 1";
    element.querySelectorAll("[data-ab-keep]").forEach(function (button) {
      button.classList.toggle("is-listening", side >= 0 && button.dataset.abKeep === sides(element)[side]);
    });
  }

  function ownsKey(target) {
    return !!(target && target.closest && target.closest("input, textarea, select, [contenteditable=''], [contenteditable=true]"));
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-ab-toggle]")) switchTakes();
  });
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if ((event.key !== "b" && event.key !== "B") || !panel() || ownsKey(event.target)) return;
    event.preventDefault();
    switchTakes();
  });
  document.addEventListener("player:trackchange", render);
  document.addEventListener("htmx:load", render);
  render();
})();
