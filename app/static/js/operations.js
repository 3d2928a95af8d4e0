// The live view's diagram: bpmn-js draws the process and puts on each element a badge with the number of
// instances waiting there and one with its open incidents. The counts come from the page's
// <script type="application/json" id="live-counts"> block ({elementId: {tokens, incidents}}): no inline script.
(function () {
  'use strict';

  var holder = document.getElementById('live-diagram');
  if (!holder || typeof window.BpmnJS !== 'function') {
    return;
  }
  var counts = window.serviceDesk.jsonData('live-counts') || {};
  var viewer = new window.BpmnJS({ container: holder });

  function badge(kind, count, title) {
    var node = document.createElement('span');
    node.className = 'ops-badge ops-badge-' + kind;
    node.textContent = String(count);
    node.title = title;
    return node;
  }

  function addBadges(overlays, registry) {
    Object.keys(counts).forEach(function (id) {
      var element = registry.get(id);
      if (!element) {
        return;  // an element of an older version that the drawn version no longer has (the table lists it)
      }
      var entry = counts[id];
      if (entry.tokens) {
        overlays.add(id, 'ops-tokens', { position: { bottom: 10, left: -8 },
                                         html: badge('tokens', entry.tokens, '') });
      }
      if (entry.incidents) {
        overlays.add(id, 'ops-incidents', { position: { bottom: 10, right: 8 },
                                            html: badge('incidents', entry.incidents, '') });
      }
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
      fit(viewer.get('canvas'));
      addBadges(viewer.get('overlays'), viewer.get('elementRegistry'));
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
