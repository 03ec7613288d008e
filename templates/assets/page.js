/* litreview: run a function on every page, with or without Material's instant navigation
 * (which swaps pages without reloading scripts, and announces each one on document$). */
window.litreview = window.litreview || {};
window.litreview.onEveryPage = function (init) {
  "use strict";
  if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
};

/* litreview: the paper page's copy buttons (its APA reference, as rich text and plain text, and
 * its BibTeX entry). A button names the element it copies in data-copy. */
window.litreview.onEveryPage(function () {
  "use strict";
  var buttons = document.querySelectorAll("button.lr-copy[data-copy]");
  Array.prototype.forEach.call(buttons, function (button) {
    if (button.dataset.lrReady) { return; }
    button.dataset.lrReady = "1";
    button.addEventListener("click", function () {
      var source = document.getElementById(button.dataset.copy);
      var status = document.querySelector(".lr-copied");
      if (!source || !navigator.clipboard) { return; }
      var text = source.innerText.trim();
      var done = function () {
        if (status) { status.textContent = button.textContent.replace(/^Copy /, "") + " copied"; }
      };
      if (button.dataset.copyRich && window.ClipboardItem && navigator.clipboard.write) {
        var item = new window.ClipboardItem({
          "text/html": new Blob([source.innerHTML], { type: "text/html" }),
          "text/plain": new Blob([text], { type: "text/plain" })
        });
        navigator.clipboard.write([item]).then(done, function () {
          navigator.clipboard.writeText(text).then(done);
        });
      } else {
        navigator.clipboard.writeText(text).then(done);
      }
    });
  });
});
