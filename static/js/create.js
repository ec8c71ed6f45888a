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
