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

  // A whole service-desk model fitted into half the page is too small to read: show the marked
  // elements at a readable size, centred ("fit" shows the whole model)
  var READABLE = 0.9;
  var MARGIN = 120;

  function bounds(elements) {
    var box = null;
    elements.forEach(function (element) {
      var points = element.waypoints || [{ x: element.x, y: element.y },
                                         { x: element.x + element.width, y: element.y + element.height }];
      points.forEach(function (point) {
        box = box || { left: point.x, top: point.y, right: point.x, bottom: point.y };
        box.left = Math.min(box.left, point.x);
        box.top = Math.min(box.top, point.y);
        box.right = Math.max(box.right, point.x);
        box.bottom = Math.max(box.bottom, point.y);
      });
    });
    return box;
  }

  function focus(viewer, side) {
    var canvas = viewer.get('canvas');
    var registry = viewer.get('elementRegistry');
    canvas.zoom('fit-viewport', 'auto');
    var found = marks[side] || {};
    var marked = [];
    Object.keys(found).forEach(function (change) {
      found[change].forEach(function (id) {
        var element = registry.get(id);
        if (element) {
          marked.push(element);
        }
      });
    });
    var box = bounds(marked);
    if (!box || canvas.zoom() >= READABLE) {
      return;
    }
    var size = canvas.getSize();
    var width = Math.max(box.right - box.left + 2 * MARGIN, size.width / READABLE);
    var height = Math.max(box.bottom - box.top + 2 * MARGIN, size.height / READABLE);
    var scale = Math.max(width / size.width, height / size.height);
    width = size.width * scale;
    height = size.height * scale;
    canvas.viewbox({ x: (box.left + box.right) / 2 - width / 2, y: (box.top + box.bottom) / 2 - height / 2,
                     width: width, height: height });
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
        focus(viewer, holder.getAttribute('data-side'));
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
