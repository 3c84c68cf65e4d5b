// The simulated phone (模拟手机) picks up new messages without reloading the page, so
// nothing typed into a form is lost while waiting for a code. A message the trainee has not
// seen yet also shows as a toast at the foot of the window, so the code is in view even when
// the phone itself is below the fold. Without JavaScript the panel's refresh link reloads.
(function () {
  "use strict";
  var panel = document.querySelector("aside.phone");
  if (!panel) return;
  var inbox = panel.querySelector(".phone-inbox");
  var toast = document.getElementById("phone-toast");
  var list = inbox.querySelector("ul");
  var shown = list ? list.textContent : "";
  var SEEN = "taxlab.phone.seen";

  function seen() {
    try { return window.sessionStorage.getItem(SEEN); } catch (e) { return null; }
  }

  function remember(key) {
    try { window.sessionStorage.setItem(SEEN, key); } catch (e) { /* private mode: no memory */ }
  }

  // the newest message (first in the list) as a toast, once per message
  function announce() {
    var first = list && list.querySelector("li");
    if (!toast || !first) return;
    var key = first.textContent;
    if (seen() === key) return;
    remember(key);
    toast.textContent = "";
    var head = document.createElement("strong");
    head.textContent = toast.dataset.new;
    var body = document.createElement("div");
    body.textContent = first.querySelector(".sms").textContent;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "link";
    close.textContent = "×";
    close.setAttribute("aria-label", toast.dataset.close);
    close.addEventListener("click", function () { toast.hidden = true; });
    toast.appendChild(close);
    toast.appendChild(head);
    toast.appendChild(body);
    toast.hidden = false;
  }

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
    inbox.textContent = "";
    inbox.appendChild(fresh);
    list = fresh;
    panel.classList.add("ringing");
    setTimeout(function () { panel.classList.remove("ringing"); }, 1500);
    announce();
  }

  function poll() {
    fetch("/api/v1/phone", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) { if (body && body.messages) show(body.messages); })
      .catch(function () { /* offline for a moment: try again at the next tick */ });
  }

  announce();
  if (window.fetch) setInterval(poll, 4000);
})();
