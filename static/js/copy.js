// "Copy" buttons: <button data-copy="text"> copies the text (a share link, an embed code, an invite link).
// Without the clipboard (a page not served over HTTPS or from localhost), the text is selected in the
// button's neighbouring field, or offered in a prompt to copy.
document.addEventListener("click", function (event) {
  var button = event.target.closest("button[data-copy]");
  if (!button) return;
  var label = button.textContent;
  var text = button.dataset.copy;
  function copied() { button.textContent = "Copied"; setTimeout(function () { button.textContent = label; }, 1500); }
  function fallback() {
    var field = button.parentElement.querySelector("input, textarea");
    if (field) { field.focus(); field.select(); } else { window.prompt("Copy this:", text); }
  }
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(copied, fallback);
  } else {
    fallback();
  }
});
