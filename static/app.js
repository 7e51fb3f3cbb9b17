// tokendesk: small enhancements on top of htmx. Every page works without this file.
(function () {
  "use strict";

  // After htmx swaps the token tabs, move focus to the new panel so keyboard and
  // screen-reader users land on what changed.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "token-tabs") {
      var panel = event.detail.target.querySelector("[data-testid=tab-panel]");
      if (panel) {
        panel.setAttribute("tabindex", "-1");
        panel.focus({ preventScroll: true });
      }
    }
  });
})();
