// "More options": each range input shows its number in the <output> beside it (templates/songs/more_options.html).
(function () {
  "use strict";
  function show(input) {
    var output = document.getElementById(input.dataset.sliderOutput);
    if (output) output.textContent = input.value;
  }
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (input instanceof HTMLInputElement && input.dataset.sliderOutput) show(input);
  });
  // A form filled in after load (a restored draft, a recipe) changes values without an input event.
  document.addEventListener("studio:form-filled", function () {
    document.querySelectorAll("input[data-slider-output]").forEach(show);
  });
})();
