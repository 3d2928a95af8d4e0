// The ticket's process diagram: bpmn-js draws the model the ticket runs on and marks where it stands.
// The BPMN comes from /tickets/<id>/diagram.bpmn (authorized like the page); what to mark comes from the
// page's <script type="application/json" id="diagram-state"> block: no inline script anywhere.
(function () {
  'use strict';

  var holder = document.getElementById('diagram');
  if (!holder || typeof window.BpmnJS !== 'function') {
    return;
  }
  var state = window.serviceDesk.jsonData('diagram-state') || {};
  var viewer = new window.BpmnJS({ container: holder });

  // the classes the stylesheet colours (and browser tests look for), painted in this order so that
  // an element both done before and waiting again (a ticket sent back) shows as current
  var MARKS = [['done', 'ticket-done'], ['flows', 'ticket-flow-done'], ['current', 'ticket-current'],
               ['incidents', 'ticket-incident']];

  function mark(canvas, registry) {
    MARKS.forEach(function (pair) {
      (state[pair[0]] || []).forEach(function (id) {
        if (registry.get(id)) {
          canvas.addMarker(id, pair[1]);
        }
      });
    });
  }

  function fit(canvas) {
    canvas.zoom('fit-viewport', 'auto');
  }

  function failed() {
    holder.textContent = holder.getAttribute('data-failed');
    holder.classList.add('diagram-failed');
  }

  fetch(holder.getAttribute('data-source'), { credentials: 'same-origin', headers: { Accept: 'application/xml' } })
    .then(function (response) {
      if (!response.ok) {
        throw new Error('diagram request failed: ' + response.status);
      }
      return response.text();
    })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      var canvas = viewer.get('canvas');
      mark(canvas, viewer.get('elementRegistry'));
      fit(canvas);
      holder.setAttribute('data-state', 'ready');
    })
    .catch(failed);

  document.querySelectorAll('[data-zoom]').forEach(function (button) {
    button.addEventListener('click', function () {
      var canvas = viewer.get('canvas');
      var how = button.getAttribute('data-zoom');
      if (how === 'fit') {
        fit(canvas);
      } else {
        canvas.zoom(canvas.zoom() * (how === 'in' ? 1.25 : 0.8));
      }
    });
  });
})();
