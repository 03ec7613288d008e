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
