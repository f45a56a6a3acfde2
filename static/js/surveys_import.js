// Import progress: poll the batch's status while it runs, update the figures, reload when it finishes.
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  var initial = document.getElementById("import-status");
  if (!box || !initial) { return; }
  var status = JSON.parse(initial.textContent);
  if (status.finished) { return; }

  function show(data) {
    box.querySelectorAll("[data-field]").forEach(function (el) {
      var value = data[el.getAttribute("data-field")];
      if (value === undefined || value === null) { return; }
      if (el.tagName === "PROGRESS") { el.value = value; el.textContent = value + "%"; }
      else { el.textContent = value; }
    });
  }

  function poll() {
    fetch(box.getAttribute("data-status-url"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (data) {
        show(data);
        if (data.finished) { window.location.reload(); } else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
