// Task forms and the start form, drawn by form-js (FormViewer) and sent with fetch.
//
// The page gives the schema (already in the reader's language), the data to start from and the URL to
// post to. form-js checks what it can in the browser; the server checks everything again and answers a
// refusal with {error, fields: {key: message}}: each message is put beside its field through form-js's
// own error state, so it looks like form-js's messages and nothing typed is lost. An expired session
// (401 with a sign-in link), someone faster (409), a refused or tampered post (400/403) become a message
// above the form, never a reload.
(function () {
  'use strict';

  var panel = document.getElementById('form-panel');
  if (!panel) { return; }
  var site = window.serviceDesk;
  var schema = site.jsonData('form-schema');
  var texts = site.jsonData('form-texts');
  var translate = messageTranslator(site.jsonData('form-messages') || {});
  var status = panel.querySelector('.form-status');
  var button = document.getElementById('form-submit');
  var editable = panel.getAttribute('data-editable') === 'true';
  var form = null;

  // form-js says its own validation messages in English: the page gives them in the reader's language.
  function messageTranslator(table) {
    var rules = Object.keys(table).map(function (english) {
      var pattern = english.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace('\\{n\\}', '(.+)');
      return { pattern: new RegExp('^' + pattern + '$'), ours: table[english] };
    });
    return function (message) {
      for (var i = 0; i < rules.length; i++) {
        var found = rules[i].pattern.exec(message);
        if (found) { return rules[i].ours.replace('{n}', found[1] || ''); }
      }
      return message;
    };
  }

  function mount() {
    var container = document.getElementById('form-container');
    if (!container || !schema) { return Promise.resolve(); }
    // the date picker form-js draws with flatpickr names months and weekdays in English unless told: a Chinese
    // page loads flatpickr's Chinese words, which must be the default before form-js makes its pickers; the
    // week starts on Monday, as Chinese calendars print it (flatpickr's words leave it on Sunday)
    var chinese = window.flatpickr && document.documentElement.lang === 'zh-CN' && window.flatpickr.l10ns.zh;
    if (chinese) { window.flatpickr.localize(Object.assign({}, chinese, { firstDayOfWeek: 1 })); }
    // debounce off: form-js otherwise reads a text field 300 ms after the last key, and a change to another
    // field in between (a date picker closing, a quick click on a radio) re-renders the text field empty first,
    // so what was typed is lost
    form = new FormViewer.Form({ container: container, properties: { readOnly: !editable }, debounce: false });
    var validator = form.get('validator');
    var validate = validator.validateFieldInstance.bind(validator);
    validator.validateFieldInstance = function (instance, value) {
      return validate(instance, value).map(translate);
    };
    return form.importSchema(schema, site.jsonData('form-data') || {});
  }

  function say(message, kind, link) {
    status.hidden = false;
    status.className = 'form-status form-status-' + kind;
    status.textContent = message;
    if (link) {
      var anchor = document.createElement('a');
      anchor.href = link.href;
      anchor.target = '_blank';
      anchor.rel = 'noopener';
      anchor.textContent = link.text;
      status.appendChild(document.createTextNode(' '));
      status.appendChild(anchor);
    }
  }

  function quiet() {
    status.hidden = true;
    status.textContent = '';
  }

  // field key -> form-js field id (form-js keeps errors by id)
  function fieldIds() {
    var ids = {};
    form.get('formFieldRegistry').getAll().forEach(function (field) {
      if (field.key) { ids[field.key] = field.id; }
    });
    return ids;
  }

  function showFieldErrors(fields) {
    var ids = form ? fieldIds() : {};
    var errors = {};
    var elsewhere = [];
    Object.keys(fields).forEach(function (key) {
      if (ids[key]) { errors[ids[key]] = [fields[key]]; } else { elsewhere.push(key + ': ' + fields[key]); }
    });
    if (form) { form._setState({ errors: errors }); }
    say([texts.fixFields].concat(elsewhere).join(' '), 'error');
    var first = panel.querySelector('.fjs-has-errors input, .fjs-has-errors textarea, .fjs-has-errors select, ' +
                                    '.fjs-has-errors button');
    if (first) { first.focus(); }
  }

  function finished(answer) {
    if (answer.redirect) {
      window.location.assign(answer.redirect);
      return;
    }
    var done = document.createElement('div');
    done.className = 'form-done';
    done.setAttribute('role', 'status');
    var heading = document.createElement('h2');
    heading.textContent = answer.message || texts.done;
    done.appendChild(heading);
    var links = document.createElement('p');
    links.className = 'next-steps';
    if (answer.next) {
      links.appendChild(link(answer.next.url, texts.nextTask + ': ' + answer.next.name, 'button primary next-task'));
    }
    links.appendChild(link(answer.inbox, texts.backToInbox, 'button back-to-inbox'));
    links.appendChild(link(answer.ticket, texts.viewTicket, 'view-ticket'));
    done.appendChild(links);
    panel.replaceChildren(done);
    var first = done.querySelector('a');
    if (first) { first.focus(); }
  }

  function link(href, text, className) {
    var anchor = document.createElement('a');
    anchor.href = href;
    anchor.textContent = text;
    anchor.className = className;
    return anchor;
  }

  function refused(response, answer) {
    if (response.status === 401) {
      say(texts.signedOut, 'warning', answer.signIn ? { href: answer.signIn, text: texts.signIn } : null);
    } else if (answer.fields) {
      showFieldErrors(answer.fields);
    } else {
      say(answer.error || texts.failed, 'error');
    }
  }

  function send(values) {
    button.disabled = true;
    button.textContent = texts.sending;
    return fetch(panel.getAttribute('data-submit-url'), {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json',
                 'X-CSRFToken': site.csrfToken() },
      body: JSON.stringify({ values: values })
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) {
        if (response.ok) { finished(answer); } else { refused(response, answer); }
      });
    }, function () {
      say(texts.offline, 'error');
    }).then(function () {
      button.disabled = false;
      button.textContent = label;
    });
  }

  var label = button ? button.textContent : '';
  mount().then(function () {
    if (!button) { return; }
    button.addEventListener('click', function () {
      quiet();
      if (!form) { send({}); return; }
      var result = form.submit();
      if (Object.keys(result.errors).length) {
        say(texts.fixFields, 'error');
        return;
      }
      send(result.data);
    });
  }, function (error) {
    say(texts.failed + ' ' + error.message, 'error');
  });
})();
