// Two versions of a process side by side: bpmn-js draws each, and the elements the server's diff found
// are marked — removed and changed on the version before, added and changed on the version after.
// What to mark comes from the page's <script type="application/json" id="diff-marks"> block; each
// diagram's BPMN from its data-source address. No inline script anywhere.
(function () {
  'use strict';

  if (typeof window.BpmnJS !== 'function') {
    return;
  }
  var marks = window.serviceDesk.jsonData('diff-marks') || {};
  var viewers = {};

  function mark(viewer, side) {
    var canvas = viewer.get('canvas');
    var registry = viewer.get('elementRegistry');
    var found = marks[side] || {};
    Object.keys(found).forEach(function (change) {
      found[change].forEach(function (id) {
        if (registry.get(id)) {
          canvas.addMarker(id, 'diff-' + change);
        }
      });
    });
  }

  function show(holder) {
    var viewer = new window.BpmnJS({ container: holder });
    viewers[holder.id] = viewer;
    fetch(holder.getAttribute('data-source'), { credentials: 'same-origin', headers: { Accept: 'application/xml' } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error('diagram request failed: ' + response.status);
        }
        return response.text();
      })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        mark(viewer, holder.getAttribute('data-side'));
        viewer.get('canvas').zoom('fit-viewport', 'auto');
        holder.setAttribute('data-state', 'ready');
      })
      .catch(function () {
        holder.textContent = holder.getAttribute('data-failed');
        holder.classList.add('diagram-failed');
      });
  }

  document.querySelectorAll('.diff-diagram').forEach(show);

  document.querySelectorAll('[data-zoom][data-target]').forEach(function (button) {
    button.addEventListener('click', function () {
      var viewer = viewers[button.getAttribute('data-target')];
      if (!viewer) {
        return;
      }
      var canvas = viewer.get('canvas');
      var how = button.getAttribute('data-zoom');
      if (how === 'fit') {
        canvas.zoom('fit-viewport', 'auto');
      } else {
        canvas.zoom(canvas.zoom() * (how === 'in' ? 1.25 : 0.8));
      }
    });
  });

  // a row of the change list shows its element on both diagrams
  document.querySelectorAll('.changes-list tr[data-element]').forEach(function (row) {
    row.addEventListener('click', function () {
      var id = row.getAttribute('data-element');
      Object.keys(viewers).forEach(function (key) {
        var registry = viewers[key].get('elementRegistry');
        var element = registry.get(id);
        if (element && element.waypoints === undefined) {
          viewers[key].get('canvas').scrollToElement(element);
        }
      });
    });
  });
})();
