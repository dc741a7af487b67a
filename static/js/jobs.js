// Report job page: poll the job's JSON status, move the progress bar, and show the result when it is ready.
(function () {
  "use strict";
  var card = document.querySelector("[data-job-status-url]");
  if (!card) {
    return;
  }
  var url = card.dataset.jobStatusUrl;
  var bar = card.querySelector("[data-job-progress]");
  var label = card.querySelector("[data-job-status]");
  var waiting = card.querySelector("[data-job-waiting]");
  var delay = 800;

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        bar.value = data.progress;
        bar.textContent = data.progress + "%";
        label.textContent = data.status_label;
        if (waiting) {
          waiting.classList.toggle("d-none", !data.waiting_for_service);
        }
        if (data.finished) {
          if (data.status === "done" && data.result_url) {
            window.location.assign(data.result_url);
          } else {
            window.location.reload();
          }
          return;
        }
        delay = Math.min(delay * 1.3, 5000);
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }
  window.setTimeout(poll, delay);
})();
