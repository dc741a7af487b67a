// Small behaviours shared by every page. No inline scripts: the CSP forbids them.
(function () {
  "use strict";
  // Ask before a destructive or irreversible action: <form data-confirm="…"> or <button data-confirm="…">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    var message = (button && button.dataset.confirm) || form.dataset.confirm;
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
})();

// Counts in the navigation bar, fetched after the page is shown (the page itself costs no query for them):
// <span data-count-from="URL" data-count-key="name"> gets the number under "name" of the JSON at URL; it and its
// enclosing [data-count-host] are shown only when the number is not zero.
(function () {
  "use strict";
  var slots = document.querySelectorAll("[data-count-from]");
  var urls = {};
  slots.forEach(function (slot) { urls[slot.dataset.countFrom] = true; });
  Object.keys(urls).forEach(function (url) {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : {}; })
      .then(function (counts) {
        slots.forEach(function (slot) {
          if (slot.dataset.countFrom !== url) { return; }
          var n = counts[slot.dataset.countKey] || 0;
          slot.textContent = n.toLocaleString("vi-VN");
          var host = slot.closest("[data-count-host]") || slot;
          host.classList.toggle("d-none", n === 0);
          slot.classList.toggle("d-none", n === 0);
          if (host.dataset.countLabel) { host.setAttribute("aria-label", host.dataset.countLabel + ": " + n); }
        });
      })
      .catch(function () { /* no count shown: the links still work */ });
  });
})();
