// A playlist's page: after Move up / Move down / Remove (htmx swaps the list), focus goes back where the
// keyboard was (the moved item's same button, or its other one at either end), so moving an item several
// places is pressing Enter several times. Rows can also be dragged; the drop posts the whole order.
(function () {
  "use strict";
  if (window.studioPlaylists) return; // boosted navigation may run this script again
  window.studioPlaylists = true;

  var focusAfterSwap = null; // the id of the button that had focus, and its fallbacks

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.target.closest && event.target.closest("#playlist-items form");
    if (!form) return;
    var button = document.activeElement && document.activeElement.closest("button[id]");
    if (!button) {
      var submitter = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent &&
        event.detail.requestConfig.triggeringEvent.submitter;
      button = submitter && submitter.id ? submitter : null;
    }
    if (!button) { focusAfterSwap = null; return; }
    var row = button.closest("[data-item-id]");
    var next = row && (row.nextElementSibling || row.previousElementSibling);
    focusAfterSwap = {
      id: button.id,
      sibling: button.id.replace(/-(up|down)$/, function (_, way) { return way === "up" ? "-down" : "-up"; }),
      nextRow: next ? next.id : ""
    };
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    if (!focusAfterSwap || !event.target.matches || !event.target.matches("#playlist-items")) return;
    var wanted = focusAfterSwap;
    focusAfterSwap = null;
    var candidates = [wanted.id, wanted.sibling, wanted.nextRow && wanted.nextRow + "-remove"];
    for (var i = 0; i < candidates.length; i++) {
      var element = candidates[i] && document.getElementById(candidates[i]);
      if (element && !element.disabled) { element.focus(); return; }
    }
    var heading = document.querySelector("#main h1");
    if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
  });

  // --- Drag and drop (a pointer's shortcut for the buttons) ---------------------------------------
  var dragged = null;

  document.addEventListener("dragstart", function (event) {
    var row = event.target.closest && event.target.closest(".playlist-track[data-item-id]");
    if (!row) return;
    dragged = row;
    row.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", row.dataset.itemId);
  });

  document.addEventListener("dragover", function (event) {
    if (!dragged) return;
    var over = event.target.closest && event.target.closest(".playlist-track[data-item-id]");
    if (!over || over === dragged || over.parentNode !== dragged.parentNode) return;
    event.preventDefault();
    var box = over.getBoundingClientRect();
    var after = event.clientY > box.top + box.height / 2;
    over.parentNode.insertBefore(dragged, after ? over.nextSibling : over);
  });

  document.addEventListener("drop", function (event) { if (dragged) event.preventDefault(); });

  document.addEventListener("dragend", function () {
    if (!dragged) return;
    var list = dragged.parentNode;
    dragged.classList.remove("is-dragging");
    dragged = null;
    var form = document.querySelector(list.dataset.reorderForm || "#playlist-reorder");
    if (!form) return;
    form.querySelectorAll("input[name=item]").forEach(function (input) { input.remove(); });
    list.querySelectorAll("[data-item-id]").forEach(function (row) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "item";
      input.value = row.dataset.itemId;
      form.appendChild(input);
    });
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  });
})();
