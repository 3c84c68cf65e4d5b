// On a narrow screen the bureau's top menu folds behind a 菜单 button; its panels then open
// as plain lists under their headings. Without JavaScript the menu stays unfolded.
(function () {
  "use strict";
  var nav = document.querySelector("nav.menu");
  if (!nav || !nav.dataset.toggle) return;
  var button = document.createElement("button");
  button.type = "button";
  button.className = "menu-toggle secondary";
  button.textContent = nav.dataset.toggle;
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", nav.id);
  button.addEventListener("click", function () {
    var open = nav.classList.toggle("open");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });
  nav.parentNode.insertBefore(button, nav);
  nav.classList.add("collapsible");
})();

// A refusal shown beside the row or section it concerns, far down a long page, is brought
// into view (the page answering a form cannot carry a #fragment).
(function () {
  "use strict";
  var refusal = document.querySelector("[data-scroll-to]");
  if (refusal && refusal.scrollIntoView) refusal.scrollIntoView({ block: "center" });
})();
