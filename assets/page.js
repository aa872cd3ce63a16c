/* The analyst pages (layouts/page.py): the page's state in the address bar.
 *
 * The server computes the query string of every new state (callbacks/page.py); `push` writes it
 * as a new history entry when it differs from the address bar, so a copied link reproduces the
 * view. Back and forward rebuild the page from the URL through Dash's page router, which redraws
 * only when the URL differs from the one it drew last; stepping back to exactly that URL (the
 * page as first opened) would leave the view as it is, so then the page is loaded again.
 */
(function () {
  "use strict";
  function here() { return window.location.pathname + window.location.search; }
  var routed = here(); // the URL Dash's page router drew last

  window.addEventListener("_dashprivate_pushstate", function () { routed = here(); });
  window.addEventListener("popstate", function () {
    if (document.querySelector(".pg-shell") && here() === routed) {
      window.location.reload();
      return;
    }
    routed = here();
  });

  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.page = {
    push: function (query) {
      if (typeof query === "string" && query !== window.location.search &&
          !(query === "" && window.location.search === "?")) {
        window.history.pushState({}, "", window.location.pathname + query + window.location.hash);
      }
      return window.dash_clientside.no_update;
    }
  };
})();
