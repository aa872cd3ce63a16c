// When the server ends this browser's session (account disabled, role changed, display token
// revoked, session expired), Dash's next request answers 401: reload, so the server sends the
// sign-in page instead of leaving a wall that silently stops updating (security/web.py).
(function () {
  var original = window.fetch;
  var leaving = false;
  window.fetch = function (input) {
    var url = typeof input === "string" ? input : (input && input.url) || "";
    return original.apply(this, arguments).then(function (response) {
      if (response.status === 401 && url.indexOf("/_dash-") !== -1) {
        if (!leaving) {
          leaving = true;
          window.location.reload();
        }
        return new Promise(function () {}); // the page is going: Dash need not handle it
      }
      return response;
    });
  };
})();
