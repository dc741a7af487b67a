// The unit picker of the report forms: search as you type (the scoped JSON of progress:units), pick with the
// mouse or the keyboard; the hidden input carries the unit's id (or national:<structure>). No library.
(function () {
  "use strict";
  function setup(box) {
    var url = box.dataset.searchUrl;
    var value = box.querySelector("[data-unit-value]");
    var search = box.querySelector("[data-unit-search]");
    var list = box.querySelector("[data-unit-results]");
    var chosen = search.value;
    var timer = null;
    var active = -1;
    var asked = 0;

    function close() {
      list.classList.add("d-none");
      search.setAttribute("aria-expanded", "false");
      active = -1;
    }
    function pick(item) {
      value.value = item.dataset.id;
      search.value = chosen = item.textContent;
      close();
    }
    function highlight(index) {
      var items = list.querySelectorAll("button");
      if (!items.length) { return; }
      active = (index + items.length) % items.length;
      items.forEach(function (item, i) { item.classList.toggle("active", i === active); });
      items[active].scrollIntoView({ block: "nearest" });
    }
    function show(results) {
      list.textContent = "";
      results.forEach(function (result) {
        var item = document.createElement("button");
        item.type = "button";
        item.className = "list-group-item list-group-item-action py-1";
        item.setAttribute("role", "option");
        item.dataset.id = result.id;
        item.textContent = result.label;
        item.addEventListener("mousedown", function (event) { event.preventDefault(); pick(item); });
        list.appendChild(item);
      });
      list.classList.toggle("d-none", results.length === 0);
      search.setAttribute("aria-expanded", results.length ? "true" : "false");
      active = -1;
    }
    function ask() {
      var number = ++asked;
      var separator = url.indexOf("?") >= 0 ? "&" : "?";
      fetch(url + separator + "q=" + encodeURIComponent(search.value === chosen ? "" : search.value),
            { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) { if (number === asked) { show(data.results); } })
        .catch(function () { close(); });
    }
    search.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, 200);
    });
    search.addEventListener("focus", ask);
    search.addEventListener("blur", function () { close(); search.value = chosen; });
    search.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") { event.preventDefault(); highlight(active + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
      else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        pick(list.querySelectorAll("button")[active]);
      } else if (event.key === "Escape") { close(); }
    });
  }
  document.querySelectorAll("[data-unit-picker]").forEach(setup);
})();
