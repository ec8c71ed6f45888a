// The invite codes' "Copy" buttons copy the sign-up link. Without the clipboard (a page not served
// over HTTPS or from localhost), the link is selected in its field, or offered in a prompt to copy.
document.addEventListener("click", function (event) {
  var button = event.target.closest("button[data-copy]");
  if (!button) return;
  var label = button.textContent;
  var link = button.dataset.copy;
  function copied() { button.textContent = "Copied"; setTimeout(function () { button.textContent = label; }, 1500); }
  function fallback() {
    var input = button.parentElement.querySelector("input");
    if (input) { input.focus(); input.select(); } else { window.prompt("Copy the sign-up link:", link); }
  }
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(link).then(copied, fallback);
  } else {
    fallback();
  }
});
