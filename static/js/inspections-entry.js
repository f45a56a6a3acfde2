// Inspection entry: level subtotals and the running score while the inspector types.
// The server recomputes everything on save and is authoritative; this is only a guide.
(function () {
  "use strict";
  const form = document.getElementById("entry-form");
  if (!form) return;

  const leaves = Array.from(form.querySelectorAll("tr[data-leaf]"));

  function leafState(row) {
    const max = parseFloat(row.dataset.max) || 0;
    const pointsInput = row.querySelector("td.entry-points input");
    const na = row.querySelector('input[type="checkbox"][name^="na_"]');
    const isNa = na ? na.checked : false;
    if (pointsInput) {
      pointsInput.disabled = isNa;
      if (isNa) pointsInput.value = "";
    }
    const raw = pointsInput ? pointsInput.value.trim() : "";
    const points = raw === "" ? null : parseFloat(raw);
    const invalid = points !== null && (isNaN(points) || points < 0 || points > max || (points * 2) % 1 !== 0);
    if (pointsInput) pointsInput.classList.toggle("is-invalid", invalid);
    return { max: max, points: invalid ? null : points, na: isNa };
  }

  function format(value) {
    return (Math.round(value * 100) / 100).toString();
  }

  function recompute() {
    const sums = {};
    let awarded = 0;
    let applicable = 0;
    let missing = 0;
    leaves.forEach(function (row) {
      const state = leafState(row);
      if (state.na) return;
      if (state.points === null) missing += 1;
      [row.dataset.l1, row.dataset.l2].forEach(function (key) {
        sums[key] = sums[key] || { awarded: 0, applicable: 0 };
        sums[key].awarded += state.points || 0;
        sums[key].applicable += state.max;
      });
      awarded += state.points || 0;
      applicable += state.max;
    });
    form.querySelectorAll("[data-subtotal]").forEach(function (cell) {
      const sum = sums[cell.dataset.subtotal];
      cell.textContent = sum ? format(sum.awarded) + " / " + format(sum.applicable) : "—";
    });
    const total = document.getElementById("entry-total");
    if (total) {
      const score = applicable ? format((awarded / applicable) * 100) : "—";
      total.textContent = format(awarded) + " / " + format(applicable) + " → " + score + (missing ? "（" + missing + " 项未填）" : "");
    }
  }

  // The stepper: half a point down or up, full marks in one tap, within 0 and the item's points.
  form.addEventListener("click", function (event) {
    const button = event.target.closest("button[data-step], button[data-full]");
    if (!button) return;
    const row = button.closest("tr[data-leaf]");
    const input = row && row.querySelector("td.entry-points input");
    if (!input || input.disabled) return;
    const max = parseFloat(row.dataset.max) || 0;
    let value;
    if (button.hasAttribute("data-full")) {
      value = max;
    } else {
      const step = parseFloat(button.dataset.step);
      // From an empty score, minus starts from full marks (a deduction), plus from zero.
      let current = input.value.trim() === "" ? (step < 0 ? max : 0) : parseFloat(input.value);
      if (isNaN(current)) current = 0;
      value = Math.min(max, Math.max(0, Math.round((current + step) * 2) / 2));
    }
    input.value = format(value);
    input.dispatchEvent(new Event("input", { bubbles: true }));
  });

  // The next item without a score (nor N/A), brought into view with its input focused.
  const next = document.getElementById("entry-next");
  if (next) {
    next.addEventListener("click", function () {
      const open = leaves.find(function (row) {
        const state = leafState(row);
        return !state.na && state.points === null;
      });
      if (!open) return;
      open.scrollIntoView({ block: "center" });
      const input = open.querySelector("td.entry-points input");
      if (input) input.focus({ preventScroll: true });
    });
  }

  form.addEventListener("input", recompute);
  form.addEventListener("change", recompute);
  recompute();
})();
