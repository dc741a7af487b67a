// The intake form shows the fields that fit the kind of complainant and of party. A hidden field is also
// disabled, so what was typed in it before the kind changed is not sent (an anonymous complaint carries no name).
(function () {
  "use strict";
  function toggle(name, shown) {
    var wrapper = document.getElementById("div_id_" + name);
    var input = document.getElementById("id_" + name);
    if (!wrapper || !input) { return; }
    wrapper.classList.toggle("d-none", !shown);
    input.disabled = !shown;
  }
  function complainant() {
    var kind = document.getElementById("id_complainant_kind").value;
    var named = kind !== "anonymous";
    toggle("worker_citizen_id", kind === "worker" || kind === "relative");
    ["complainant_name", "complainant_phone", "complainant_address"].forEach(function (name) { toggle(name, named); });
  }
  function party() {
    var licensed = document.getElementById("id_respondent_kind").value === "enterprise";
    toggle("enterprise", licensed);
    ["respondent_name", "respondent_phone", "respondent_address"].forEach(function (name) { toggle(name, !licensed); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var kind = document.getElementById("id_complainant_kind");
    var respondent = document.getElementById("id_respondent_kind");
    if (!kind || !respondent) { return; }
    kind.addEventListener("change", complainant);
    respondent.addEventListener("change", party);
    complainant();
    party();
  });
})();
