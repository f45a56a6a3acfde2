// The periodic-task admin form: show the crontab chosen in words under the crontab field.
// (Replaces the inline script of django-celery-beat's template, which the CSP forbids.)
"use strict";
(function () {
  const readable = JSON.parse(document.getElementById("readable-crontabs").textContent || "{}");
  const originalHelp = JSON.parse(document.getElementById("crontab-help").textContent || '""');
  const select = document.getElementById("id_crontab");
  const help = document.querySelector(".field-crontab .help");
  document.querySelectorAll(".field-crontab_translation").forEach(function (row) {
    row.hidden = true;
  });
  if (!select || !help) {
    return;
  }
  function update() {
    help.textContent = originalHelp;
    const words = readable[select.value];
    if (words) {
      help.append(document.createElement("br"), "Translation: " + words);
    }
  }
  select.addEventListener("change", update);
})();
