// Behaviour every page shares. No inline scripts anywhere (the CSP forbids them): pages put data in
// <script type="application/json"> blocks or data- attributes and their own file under static/js reads it.
(function () {
  'use strict';

  // the CSRF token for scripts that post with fetch (Flask-WTF reads the X-CSRFToken header)
  window.serviceDesk = {
    csrfToken: function () {
      var meta = document.querySelector('meta[name="csrf-token"]');
      return meta ? meta.getAttribute('content') : '';
    },
    jsonData: function (id) {
      var node = document.getElementById(id);
      return node ? JSON.parse(node.textContent) : null;
    }
  };

  // htmx requests carry the token too
  document.addEventListener('htmx:configRequest', function (event) {
    event.detail.headers['X-CSRFToken'] = window.serviceDesk.csrfToken();
  });
})();
