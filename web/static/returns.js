// A return's form, laid out as the official grid: the computed cells recompute as figures are typed (the server computes, and
// recomputes again on every save and submit), what is typed is saved as a draft every
// few seconds, and submitting asks for confirmation first. Without JavaScript the form's
// 重新计算 and 暂存 buttons do the same.
(function () {
  "use strict";
  var form = document.getElementById("return-form");
  if (!form || !window.fetch || !window.FormData) return;
  var total = document.getElementById("total-due");
  var status = document.getElementById("autosave");
  var timer = null;
  var dirty = false;

  function body(action) {
    var data = new URLSearchParams(new FormData(form));
    data.set("action", action);
    return data;
  }

  function showFieldProblems(sheet) {
    sheet.fields.forEach(function (f) {
      var input = document.getElementById("f-" + f.name);
      if (!input) return;
      var cell = input.parentNode;
      var old = cell.querySelector(".field-error, .field-warning");
      if (old) old.remove();
      // a grid cell carries its own state; a row of the extra table carries it for the row
      var holder = cell.classList.contains("cell") ? cell : cell.parentNode;
      holder.classList.toggle("invalid", !!f.error);
      holder.classList.toggle("warned", !f.error && !!f.warning);
      if (f.error) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
      if (f.error || f.warning) {
        var em = document.createElement("em");
        em.id = "err-" + f.name;
        input.setAttribute("aria-describedby", em.id);
        em.className = f.error ? "field-error" : "field-warning";
        em.textContent = f.error ? f.error : "⚠ " + f.warning;
        if (f.error) em.setAttribute("role", "alert");
        cell.appendChild(em);
      }
    });
  }

  // the computed cells of the official grid (and the quarterly block's averages)
  function showLines(sheet) {
    if (!sheet.grid) return;
    sheet.grid.rows.forEach(function (r) {
      r.cells.forEach(function (c) {
        if (c.kind !== "value") return;
        var cell = document.querySelector('#grid td[data-cell="' + c.id + '"] .num');
        if (cell) cell.textContent = c.value;
      });
    });
    var q = sheet.grid.quarters;
    if (q) {
      var set = function (id, text) {
        var el = document.querySelector('td[data-cell="' + id + '"] .num');
        if (el) el.textContent = text;
      };
      set("avg/headcount", q.avg_headcount);
      set("avg/assets", q.avg_assets);
    }
    // while an input is invalid the engine has no figures: the lines show blank and the
    // total says it needs recalculating, never the figures of earlier inputs
    if (total) total.textContent = sheet.total_due || total.dataset.stale;
    form.classList.remove("stale");
  }

  // typed but not yet recalculated: the computed cells are marked as out of date
  function markStale() {
    form.classList.add("stale");
    if (total) total.textContent = total.dataset.stale;
  }

  function recalculate() {
    fetch(form.dataset.calc, { method: "POST", body: body("calculate"), credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (sheet) {
        if (!sheet) return;
        showFieldProblems(sheet);
        showLines(sheet);
      })
      .catch(function () {});
  }

  function autosave() {
    if (!dirty) return;
    dirty = false;
    fetch(form.action || window.location.pathname, { method: "POST", body: body("autosave"), credentials: "same-origin" })
      .then(function (r) {
        if (r.ok && status) status.textContent = status.dataset.saved + " " + new Date().toLocaleTimeString();
      })
      .catch(function () { dirty = true; });
  }

  form.addEventListener("input", function () {
    dirty = true;
    markStale();
    clearTimeout(timer);
    timer = setTimeout(recalculate, 400);
  });
  form.addEventListener("change", function () { dirty = true; });
  setInterval(autosave, 15000);
  window.addEventListener("pagehide", autosave);

  form.addEventListener("submit", function (e) {
    var button = e.submitter;
    if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) {
      e.preventDefault();
      return;
    }
    // one click files once: the button stays down while the request is on its way
    if (button && button.value === "submit") {
      setTimeout(function () { button.disabled = true; }, 0);
    }
    dirty = false;
  });
})();
