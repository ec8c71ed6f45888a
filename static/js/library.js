// The Library: multi-select, filters that apply as they change, row menus that close like menus, and a
// confirm before Trash is emptied. Every action also works as a plain form without this file.
(function () {
  "use strict";
  if (window.studioLibrary) return; // boosted navigation may run this script again
  window.studioLibrary = true;

  var selected = new Set(); // song ids ticked, kept while in-flight rows refresh themselves

  function boxes() {
    return Array.prototype.slice.call(document.querySelectorAll("input.song-select"));
  }

  function updateBulkBar() {
    var form = document.querySelector("[data-bulk-form]");
    if (!form) return;
    var all = boxes();
    var ticked = all.filter(function (box) { return box.checked; }).length;
    var count = form.querySelector("[data-selected-count]");
    if (count) count.textContent = ticked ? ticked + " selected" : "Select";
    var selectAll = form.querySelector("[data-select-all]");
    if (selectAll) {
      selectAll.checked = all.length > 0 && ticked === all.length;
      selectAll.indeterminate = ticked > 0 && ticked < all.length;
    }
    form.querySelectorAll("[data-bulk-action]").forEach(function (button) {
      button.disabled = ticked === 0;
    });
    form.classList.toggle("has-selection", ticked > 0);
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("input.song-select")) {
      if (target.checked) selected.add(target.value); else selected.delete(target.value);
      updateBulkBar();
    } else if (target.matches("[data-select-all]")) {
      boxes().forEach(function (box) {
        box.checked = target.checked;
        if (box.checked) selected.add(box.value); else selected.delete(box.value);
      });
      updateBulkBar();
    } else if (target.closest("[data-library-filters]") && target.matches("select, input[type=checkbox]")) {
      var form = target.closest("form");
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    }
  });

  // Export streams a ZIP: a real form submission (the browser saves it and the page stays), not the boosted
  // one htmx would make (it would fetch the archive into the page). Capture: before htmx's own listener.
  document.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    if (!submitter || !submitter.matches("[data-bulk-export]")) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    var form = event.target;
    var action = form.getAttribute("action");
    form.setAttribute("action", submitter.getAttribute("formaction"));
    HTMLFormElement.prototype.submit.call(form); // reads the action now, fires no submit event
    form.setAttribute("action", action);
  }, true);

  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });

  // One menu open at a time; Escape or a click elsewhere closes it, and focus goes back to its button.
  document.addEventListener("toggle", function (event) {
    var menu = event.target;
    if (!menu.matches || !menu.matches("details.song-menu") || !menu.open) return;
    document.querySelectorAll("details.song-menu[open]").forEach(function (other) {
      if (other !== menu) other.open = false;
    });
  }, true);

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var rename = event.target.closest && event.target.closest("[data-rename-form]");
    if (rename) {
      var cancel = rename.querySelector("[data-rename-cancel]");
      if (cancel) cancel.click();
      return;
    }
    var open = document.querySelector("details.song-menu[open]");
    if (open) {
      open.open = false;
      open.querySelector("summary").focus();
    }
  });

  document.addEventListener("click", function (event) {
    // An item picked (Rename, Like…) closes its menu, as a click anywhere else does; htmx has its click.
    var picked = event.target.closest && event.target.closest(".song-menu-items button, .song-menu-items a");
    document.querySelectorAll("details.song-menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target) || (picked && menu.contains(picked))) menu.open = false;
    });
  });

  function restoreSelection(root) {
    (root.querySelectorAll ? root.querySelectorAll("input.song-select") : []).forEach(function (box) {
      box.checked = selected.has(box.value);
    });
    updateBulkBar();
  }

  document.addEventListener("htmx:load", function (event) { restoreSelection(event.target); });
  document.addEventListener("DOMContentLoaded", function () {
    selected.clear();
    boxes().forEach(function (box) { if (box.checked) selected.add(box.value); });
    updateBulkBar();
  });
  // A boosted navigation brings a new page without DOMContentLoaded: start from what it shows.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target === document.body || event.target.id === "main") {
      selected.clear();
      updateBulkBar();
    }
  });
})();
