// The create form's helpers (templates/songs/song_create.html): the enhanced styles' "Use" / "Keep mine",
// the style chips, and the restored draft's Discard. Each fills fields client side, so nothing else the
// creator typed is touched; an `input` event follows, so counters and the draft autosave see the change.
(function () {
  "use strict";

  function setValue(field, value) {
    field.value = value;
    field.dispatchEvent(new Event("input", { bubbles: true }));
    field.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function styleField(from) {
    var form = from.closest("form");
    return form ? form.querySelector("[name=tags]") : null;
  }

  function appendStyle(field, tags) {
    var current = field.value.trim();
    if (!current) return tags;
    if (current.toLowerCase().indexOf(tags.toLowerCase()) !== -1) return current;  // already there
    return current.replace(/[,\s]+$/, "") + ", " + tags;
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    var use = target.closest("[data-use-enhanced]");
    var keep = target.closest("[data-keep-styles]");
    var chip = target.closest("[data-style-chip]");
    if (use || keep) {
      var box = (use || keep).closest("[data-enhanced-styles]");
      var field = styleField(use || keep);
      if (use && field) setValue(field, use.dataset.useEnhanced);
      if (box) {
        var note = document.createElement("p");
        note.className = "clip-hint";
        note.textContent = use ? "Using the enhanced styles: edit them freely." : "Kept your styles.";
        box.replaceWith(note);
      }
      if (field) field.focus();
      return;
    }
    if (chip) {
      var tags = styleField(chip);
      if (!tags) return;
      setValue(tags, appendStyle(tags, chip.dataset.styleChip));
      chip.setAttribute("aria-pressed", "true");
    }
  });
})();

// The Library's side panel (templates/songs/song_list.html): on a wide screen only, the create form is
// loaded into the empty <aside data-create-panel>; a phone never asks for it. A history restore brings the
// page back from htmx's snapshot (the form without what was typed since): ask again, for the saved draft.
(function () {
  "use strict";
  var WIDE = window.matchMedia("(min-width: 1100px)");

  function loadPanel(force) {
    var panel = document.querySelector("[data-create-panel]");
    if (!panel || !WIDE.matches || !window.htmx) return;
    if (panel.dataset.loaded && !force) return;
    panel.dataset.loaded = "true";
    window.htmx.ajax("GET", panel.dataset.panelUrl, { target: panel, swap: "innerHTML" });
  }

  document.addEventListener("htmx:load", function () { loadPanel(false); });
  document.addEventListener("htmx:historyRestore", function () { loadPanel(true); });

  // New song (the header's, or Make your first song) beside a loaded panel: the form is already here, so
  // its title field takes the focus instead of the page going to a second copy of the form. In the
  // capture phase, before htmx's boost handler on the link; a modified click still opens the page.
  document.addEventListener("click", function (event) {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    var link = event.target.closest && event.target.closest("a[href]");
    if (!link || !WIDE.matches) return;
    var url = new URL(link.href, window.location.href);
    if (url.origin !== window.location.origin || url.search || !/\/songs\/new\/$/.test(url.pathname)) return;
    var panel = document.querySelector("[data-create-panel]");
    var field = panel && (panel.querySelector("input[name=title]") || panel.querySelector("textarea"));
    if (!field) return;
    event.preventDefault();
    event.stopPropagation();
    field.focus();
    field.scrollIntoView({ block: "nearest" });
  }, true);
  WIDE.addEventListener("change", function () { loadPanel(false); });

  // Generate from the panel: the page stays, so the button comes back from "Sending…", and the list's
  // "No songs yet" goes once a row is there.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-create-panel-form")) return;
    var button = form.querySelector(".generate-button");
    if (button && button.dataset.idleLabel) {
      button.removeAttribute("aria-busy");
      button.textContent = button.dataset.idleLabel;
    }
    var list = document.getElementById("library-songs");
    if (list && list.querySelector("[data-song-row]")) {
      list.querySelectorAll(":scope > .empty-state").forEach(function (empty) { empty.remove(); });
    }
  });
})();

// The space the bottom player bar takes (0 while hidden), as --studio-player-space on <html>: the phone's
// sticky Generate bar sits just above it, never under it (static/css/create.css).
(function () {
  "use strict";
  function measure() {
    var bar = document.getElementById("player");
    var space = bar && !bar.hidden ? Math.max(0, window.innerHeight - bar.getBoundingClientRect().top) : 0;
    document.documentElement.style.setProperty("--studio-player-space", space + "px");
  }
  document.addEventListener("DOMContentLoaded", function () {
    var bar = document.getElementById("player");
    if (!bar) return;
    if (window.ResizeObserver) new ResizeObserver(measure).observe(bar);
    window.addEventListener("resize", measure);
    measure();
  });
})();
