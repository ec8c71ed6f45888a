// Clip tools: karaoke highlighting and seeking, "use player position", section-tag buttons, and filling the
// create form with lyrics the music service wrote. Everything is delegated from document, so it keeps
// working on content htmx swaps in later.
(function () {
  "use strict";

  function findPlayer(karaoke) {
    return document.getElementById(karaoke.dataset.player);
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

  // timeupdate doesn't bubble: listen in the capture phase for every player on the page.
  document.addEventListener("timeupdate", function (event) {
    var player = event.target;
    if (!player.id) return;
    document.querySelectorAll('.karaoke[data-player="' + player.id + '"]').forEach(function (karaoke) {
      highlight(karaoke, player.currentTime);
    });
  }, true);

  function seekTo(line) {
    var karaoke = line.closest(".karaoke");
    var player = karaoke && findPlayer(karaoke);
    if (!player) return;
    player.currentTime = parseFloat(line.dataset.start);
    highlight(karaoke, player.currentTime);
    var playing = player.play();
    if (playing && playing.catch) playing.catch(function () {});
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
    var player = document.getElementById(form.dataset.player);
    var input = form.querySelector("[name=continue_at]");
    if (!player || !input) return;
    input.value = player.currentTime.toFixed(2);
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
