// The class form's roster file: a CSV saved from Excel is GBK on most Chinese PCs. Read it
// as UTF-8 if it is, else as GBK (the browser's own decoder), and put the text in the
// roster box, where the instructor sees it before creating the class. The server checks
// every line again (a file garbled some other way is refused with its line number).
(function () {
  "use strict";
  var input = document.getElementById("roster-file");
  var box = document.querySelector("textarea[name=roster]");
  if (!input || !box || !window.FileReader || !window.TextDecoder) return;
  input.hidden = false;
  input.addEventListener("change", function () {
    var file = input.files && input.files[0];
    if (!file) return;
    var reader = new FileReader();
    reader.onload = function () {
      var bytes = new Uint8Array(reader.result);
      var text;
      try {
        text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      } catch (e) {
        try {
          text = new TextDecoder("gbk", { fatal: true }).decode(bytes);
        } catch (e2) {
          text = new TextDecoder("utf-8").decode(bytes);
        }
      }
      box.value = text.replace(/^\uFEFF/, "");
    };
    reader.readAsArrayBuffer(file);
  });
})();
