// What cannot be undone or costs something asks first: the console's end, restart, exam
// mode, pause and clearing faults, a hint that costs points. The form carries the question
// in data-confirm; without JavaScript the form is sent as it is.
document.addEventListener("submit", function (e) {
  var form = e.target;
  var question = form && form.getAttribute ? form.getAttribute("data-confirm") : null;
  if (question && !window.confirm(question)) e.preventDefault();
});
