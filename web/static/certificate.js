// 证书申请: the certificate form is sent in the background so the page can say what happened.
// A certificate comes back as a file: it is saved as the browser saves downloads, and the
// certificate section is read again (its serial, expiry, 有效) with a notice that it was
// issued. A refusal (a PIN that does not match) comes back as the page with the error at its
// field, which replaces this one. Without JavaScript the form downloads the file as before.
(function () {
  "use strict";
  var form = document.querySelector("form[action='/portal/account/certificate']");
  if (!form || !window.fetch || !window.FormData || !window.DOMParser || !window.URL) return;
  form.addEventListener("submit", function (e) {
    if (e.defaultPrevented) return;
    e.preventDefault();
    var button = form.querySelector("button[type='submit']");
    if (button) button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      credentials: "same-origin"
    })
      .then(function (r) {
        var disposition = r.headers.get("Content-Disposition") || "";
        var named = /filename="([^"]+)"/.exec(disposition);
        if (!r.ok || !named) {
          return r.text().then(function (html) {
            document.open();
            document.write(html);
            document.close();
          });
        }
        return r.blob().then(function (blob) {
          var link = document.createElement("a");
          link.href = URL.createObjectURL(blob);
          link.download = named[1];
          document.body.appendChild(link);
          link.click();
          link.remove();
          return fetch("/portal/account", { credentials: "same-origin" })
            .then(function (page) { return page.text(); })
            .then(function (html) {
              var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("certificate");
              var section = document.getElementById("certificate");
              if (fresh && section) section.replaceWith(document.importNode(fresh, true));
              section = document.getElementById("certificate");
              var notice = document.createElement("p");
              notice.className = "notice-box success";
              notice.id = "certificate-issued";
              notice.setAttribute("role", "status");
              notice.textContent = section.dataset.issued.replace("{file}", named[1]);
              section.insertBefore(notice, section.querySelector("h2").nextSibling);
            });
        });
      })
      .catch(function () {
        // the server could not be reached: send the form the ordinary way
        if (button) button.disabled = false;
        form.submit();
      });
  });
})();
