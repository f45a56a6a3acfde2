// Polls a grading run's progress endpoint and reloads the page when the run has finished.
(function () {
  "use strict";
  var box = document.getElementById("run-progress");
  if (!box) return;
  var url = box.dataset.progressUrl;
  var bar = box.querySelector("progress");
  var message = box.querySelector("[data-role=message]");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        bar.value = data.progress;
        message.textContent = data.message || data.state_label;
        if (data.done) { window.location.reload(); } else { window.setTimeout(poll, 1500); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
