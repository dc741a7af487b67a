// The accounts list: tick every flagged (inactive too long) account of the page in one click.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-check]");
    if (!button) {
      return;
    }
    document.querySelectorAll("input[data-" + button.dataset.check + "]").forEach(function (box) {
      box.checked = true;
    });
  });
})();

// The codes page: print it.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      window.print();
    }
  });
})();
