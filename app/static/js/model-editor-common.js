// What the three model editors share: the page data, saving (POST the file, CSRF header), the status line,
// the problem list of a refused save and the pick lists. Each editor script (bpmn-editor.js, dmn-editor.js,
// form-editor.js) hands in how to read its file and how to show problems on its drawing.
(function () {
  'use strict';

  var data = window.serviceDesk.jsonData('editor-data');
  var canvas = document.getElementById('editor-canvas');
  var saveButton = document.getElementById('editor-save');
  var status = document.getElementById('editor-status');
  var problemsBox = document.getElementById('editor-problems');

  function say(text, kind) {
    status.textContent = text;
    status.className = 'editor-status' + (kind ? ' editor-status-' + kind : '');
  }

  function failed(error) {
    canvas.textContent = data.texts.failed;
    canvas.classList.add('editor-failed');
    if (window.console) {
      window.console.error(error);
    }
  }

  function showProblems(problems, select) {
    var body = problemsBox.querySelector('tbody');
    body.textContent = '';
    problems.forEach(function (problem) {
      var row = document.createElement('tr');
      var element = document.createElement('td');
      if (problem.element_id) {
        var link = document.createElement('button');
        link.type = 'button';
        link.className = 'link problem-element';
        link.textContent = problem.element_id;
        link.addEventListener('click', function () { select(problem.element_id); });
        element.appendChild(link);
      }
      var line = document.createElement('td');
      line.className = 'nowrap';
      line.textContent = problem.line ? data.texts.line.replace('%(line)s', problem.line) : '';
      var message = document.createElement('td');
      message.textContent = problem.message;
      row.appendChild(element);
      row.appendChild(line);
      row.appendChild(message);
      body.appendChild(row);
    });
    problemsBox.hidden = problems.length === 0;
  }

  function post(source) {
    return fetch(data.saveUrl, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json',
                 'X-CSRFToken': window.serviceDesk.csrfToken() },
      body: JSON.stringify({ source: source })
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) {
        if (response.status !== 200 && response.status !== 422) {
          throw new Error(answer.error || answer.message || ('save failed: ' + response.status));
        }
        return answer;
      });
    });
  }

  // editor: { source(): Promise<string>, mark(problems), clear(), select(elementId) }
  function start(editor) {
    var title = problemsBox.querySelector('h2');
    saveButton.disabled = false;
    saveButton.addEventListener('click', function () {
      saveButton.disabled = true;
      say(data.texts.saving, 'busy');
      editor.source().then(post).then(function (answer) {
        editor.clear();
        if (answer.saved) {
          showProblems([], editor.select);
          var badge = document.getElementById('editor-version');
          badge.textContent = badge.getAttribute('data-prefix') + ' ' + answer.version;
          var warnings = (answer.warnings || []).map(function (w) { return w.message; });
          say(answer.message + (warnings.length ? ' ' + data.texts.warnings + ' ' + warnings.join('; ') : ''),
              'ok');
        } else {
          title.textContent = answer.message || '';
          showProblems(answer.problems || [], editor.select);
          editor.mark(answer.problems || []);
          say(answer.message || data.texts.saveFailed, 'bad');
        }
      }).catch(function (error) {
        say(error && error.message ? error.message : data.texts.saveFailed, 'bad');
      }).then(function () {
        saveButton.disabled = false;
      });
    });
  }

  function changed() {
    if (!saveButton.disabled) {
      say(data.texts.unsaved, 'dirty');
    }
  }

  function picks() {
    return fetch(data.picksUrl, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (response) { return response.ok ? response.json() : {}; });
  }

  window.modelEditor = { data: data, canvas: canvas, start: start, failed: failed, changed: changed,
                         picks: picks };
})();
