// Knowledge-base suggestions on the report page: while the requester types the symptom, up to five
// published articles that may already solve it, each opening in a new tab so nothing typed is lost.
// form-js draws the symptom textarea after this file loads, so the listener sits on the document and
// recognises the field by its form-js id (…field_symptom). Debounced: one request 300 ms after the last key.
(function () {
  'use strict';

  var box = document.getElementById('kb-suggest');
  if (!box) { return; }
  var url = box.getAttribute('data-url');
  var timer = null;
  var asked = '';
  var latest = 0;

  function isSymptom(target) {
    return target && target.tagName === 'TEXTAREA' && /field_symptom$/.test(target.id || '');
  }

  function placeNear(field) {
    var holder = field.closest('.fjs-form-field') || field.parentNode;
    if (holder && box.previousElementSibling !== holder) { holder.insertAdjacentElement('afterend', box); }
  }

  function ask(text) {
    var mine = ++latest;
    asked = text;
    fetch(url + '?q=' + encodeURIComponent(text), { credentials: 'same-origin', headers: { 'Accept': 'text/html' } })
      // a session that ended answers with the sign-in page (redirected): not something to show here
      .then(function (response) { return response.ok && !response.redirected ? response.text() : ''; })
      .then(function (html) { if (mine === latest) { box.innerHTML = html; } })
      .catch(function () { /* suggestions are a help, not part of the report: stay quiet when offline */ });
  }

  document.addEventListener('input', function (event) {
    if (!isSymptom(event.target)) { return; }
    placeNear(event.target);
    var text = event.target.value.trim().slice(0, 200);
    clearTimeout(timer);
    if (text.length < 2) { latest++; box.innerHTML = ''; asked = ''; return; }
    if (text === asked) { return; }
    timer = setTimeout(function () { ask(text); }, 300);
  });
})();
