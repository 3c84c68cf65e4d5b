// A hint opens in place: the hint form is sent in the background and the task panel's
// steps are replaced by the ones the server answers with, so figures typed into the page's
// form stay where they are. confirm.js asks first (a hint costs points); a declined hint is
// not sent. Without JavaScript the form is sent and the page comes back with the hint.
(function () {
  "use strict";
  if (!window.fetch || !window.FormData || !window.DOMParser) return;
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (e.defaultPrevented || !form.classList || !form.classList.contains("hint-form")) return;
    var steps = form.closest("ol.steps");
    if (!steps) return;
    e.preventDefault();
    var button = form.querySelector("button");
    if (button) button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      credentials: "same-origin"
    })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.querySelector("ol.steps");
        if (!fresh) return Promise.reject("no steps");
        steps.replaceWith(document.importNode(fresh, true));
      })
      .catch(function () {
        // the server refused or could not be reached: send the form the ordinary way
        if (button) button.disabled = false;
        form.submit();
      });
  });
})();
