// The instructor's dashboard follows the room live: the server sends the whole dashboard
// every two seconds (server-sent events) and this replaces the scores, steps, last actions
// and the summary in place. When a seat's hand, stuck marker or faults change, the room's
// rows and alerts are read again from the server (they carry forms: answer a hand, clear a
// fault), so nothing the instructor can act on is ever wiped by an update. Without
// JavaScript, reloading the page shows the same.
(function () {
  "use strict";
  var table = document.getElementById("room");
  if (!table || !window.EventSource) return;
  var id = table.getAttribute("data-class");
  var summary = document.getElementById("summary");
  var template = summary ? summary.getAttribute("data-template") : null;
  var fetching = false;

  function signature(seat) {
    var faults = (seat.faults || []).map(function (f) { return f.kind + ","; }).join("");
    return String(!!seat.hand) + "|" + String(!!seat.stuck) + "|" + faults;
  }

  // the rows and the alerts above them, as the server renders them now
  function reread() {
    if (fetching || !window.fetch || !window.DOMParser) return;
    fetching = true;
    fetch(window.location.pathname, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var page = new DOMParser().parseFromString(html, "text/html");
        [["#room tbody", table.tBodies[0]], ["#room-alerts", document.getElementById("room-alerts")]]
          .forEach(function (pair) {
            var fresh = page.querySelector(pair[0]);
            if (fresh && pair[1]) pair[1].replaceWith(document.importNode(fresh, true));
          });
      })
      .catch(function () { /* the next event tries again */ })
      .then(function () { fetching = false; });
  }

  var source = new EventSource("/console/classes/" + id + "/events");
  source.addEventListener("dashboard", function (e) {
    var board;
    try { board = JSON.parse(e.data); } catch (err) { return; }
    var changed = false;
    board.seats.forEach(function (seat) {
      var row = table.querySelector('tr[data-seat="' + seat.seat_no + '"]');
      if (!row) return;
      if (row.getAttribute("data-sig") !== signature(seat)) changed = true;
      var cells = row.querySelectorAll("td.cell");
      seat.cells.forEach(function (c, i) {
        if (!cells[i]) return;
        cells[i].className = "cell " + c.state;
        cells[i].textContent = c.score === null ? "—" : String(c.score);
      });
      var tds = row.children;
      var step = tds[2 + seat.cells.length];
      var last = row.querySelector(".last-action");
      if (step) step.textContent = seat.current_step ? String(seat.current_step) : "";
      if (last) last.textContent = seat.last_action || "";
      if (seat.joined && tds[1] && tds[1].querySelector(".muted") && !tds[1].querySelector(".mono")) {
        tds[1].textContent = seat.name;
      }
    });
    if (changed) reread();
    if (summary && template) {
      summary.textContent = template
        .replace("{joined}", board.joined)
        .replace("{seats}", board.class.seats)
        .replace("{stuck}", board.stuck);
    }
  });
})();
