// The instructor's dashboard follows the room live: the server sends the whole dashboard
// every two seconds (server-sent events) and this replaces the scores, steps, last actions
// and the summary in place. Without JavaScript, reloading the page shows the same.
(function () {
  "use strict";
  var table = document.getElementById("room");
  if (!table || !window.EventSource) return;
  var id = table.getAttribute("data-class");
  var summary = document.getElementById("summary");
  var template = summary ? summary.getAttribute("data-template") : null;
  var source = new EventSource("/console/classes/" + id + "/events");
  source.addEventListener("dashboard", function (e) {
    var board;
    try { board = JSON.parse(e.data); } catch (err) { return; }
    board.seats.forEach(function (seat) {
      var row = table.querySelector('tr[data-seat="' + seat.seat_no + '"]');
      if (!row) return;
      row.classList.toggle("stuck", !!seat.stuck);
      var cells = row.querySelectorAll("td.cell");
      seat.cells.forEach(function (c, i) {
        if (!cells[i]) return;
        cells[i].className = "cell " + c.state;
        cells[i].textContent = c.score === null ? "—" : String(c.score);
      });
      var tds = row.children;
      var step = tds[2 + seat.cells.length];
      var last = tds[3 + seat.cells.length];
      if (step) step.textContent = seat.current_step ? String(seat.current_step) : "";
      if (last) last.textContent = seat.last_action || "";
      if (seat.joined && tds[1] && tds[1].querySelector(".muted") && !tds[1].querySelector(".mono")) {
        tds[1].textContent = seat.name;
      }
    });
    if (summary && template) {
      summary.textContent = template
        .replace("{joined}", board.joined)
        .replace("{seats}", board.class.seats)
        .replace("{stuck}", board.stuck);
    }
  });
})();
