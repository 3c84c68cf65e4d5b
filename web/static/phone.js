// The simulated phone (模拟手机) picks up new messages without reloading the page, so
// nothing typed into a form is lost while waiting for a code. Without JavaScript the
// panel's refresh link does the same by reloading.
(function () {
  "use strict";
  var panel = document.querySelector("aside.phone");
  if (!panel || !window.fetch) return;
  var list = panel.querySelector("ul");
  var empty = panel.querySelector(".muted");
  var shown = list ? list.textContent : "";

  function item(m) {
    var li = document.createElement("li");
    var meta = document.createElement("div");
    meta.className = "sms-meta";
    meta.textContent = m.to + " · " + m.at;
    var text = document.createElement("div");
    text.className = "sms";
    text.textContent = m.text;
    li.appendChild(meta);
    li.appendChild(text);
    return li;
  }

  function show(messages) {
    if (!messages.length) return;
    var fresh = document.createElement("ul");
    messages.forEach(function (m) { fresh.appendChild(item(m)); });
    if (fresh.textContent === shown) return;
    shown = fresh.textContent;
    if (list) {
      list.replaceWith(fresh);
    } else if (empty) {
      empty.replaceWith(fresh);
      empty = null;
    }
    list = fresh;
    panel.classList.add("ringing");
    setTimeout(function () { panel.classList.remove("ringing"); }, 1500);
  }

  function poll() {
    fetch("/api/v1/phone", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) { if (body && body.messages) show(body.messages); })
      .catch(function () { /* offline for a moment: try again at the next tick */ });
  }

  setInterval(poll, 4000);
})();
