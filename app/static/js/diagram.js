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

  // A whole service-desk model fitted into the page is too small to read: while the ticket is open,
  // show the step it waits on at a readable size, centred (drag, zoom or "fit" show the rest).
  var READABLE = 0.85;

  function focus(canvas, registry) {
    fit(canvas);
    var element = (state.current || []).map(function (id) { return registry.get(id); }).filter(Boolean)[0];
    if (!element || canvas.zoom() >= READABLE) {
      return;
    }
    var size = canvas.getSize();
    var width = size.width / READABLE;
    var height = size.height / READABLE;
    canvas.viewbox({ x: element.x + element.width / 2 - width / 2, y: element.y + element.height / 2 - height / 2,
                     width: width, height: height });
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
      var registry = viewer.get('elementRegistry');
      mark(canvas, registry);
      focus(canvas, registry);
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
