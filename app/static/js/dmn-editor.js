// The decision-table editor: dmn-js opened on the table being edited. A refused save marks the rows and
// columns its problems name (dmn-js tags cells with data-row-id / data-col-id).
(function () {
  'use strict';

  var shared = window.modelEditor;
  if (!shared || typeof window.DmnJS !== 'function') {
    if (shared) {
      shared.failed(new Error('the dmn-js bundle did not load'));
    }
    return;
  }
  var data = shared.data;
  var editor = new window.DmnJS({ container: shared.canvas });
  shared.instance = editor;

  function cells(id) {
    var escaped = window.CSS && window.CSS.escape ? window.CSS.escape(id) : id;
    return shared.canvas.querySelectorAll('[data-row-id="' + escaped + '"], [data-col-id="' + escaped + '"], ' +
                                          '[data-element-id="' + escaped + '"]');
  }

  function clear() {
    shared.canvas.querySelectorAll('.editor-problem').forEach(function (node) {
      node.classList.remove('editor-problem');
    });
  }

  function mark(problems) {
    problems.forEach(function (problem) {
      if (problem.element_id) {
        cells(problem.element_id).forEach(function (node) { node.classList.add('editor-problem'); });
      }
    });
  }

  function select(id) {
    var node = cells(id)[0];
    if (node) {
      node.scrollIntoView({ block: 'center' });
    }
  }

  function source() {
    return editor.saveXML({ format: true }).then(function (result) { return result.xml; });
  }

  function tableView() {
    return editor.getViews().filter(function (view) {
      return view.type === 'decisionTable' && view.element.id === data.key;
    })[0];
  }

  editor.importXML(data.source)
    .then(function () {
      var view = tableView();
      return view ? editor.open(view) : null;
    })
    .then(function () {
      editor.getActiveViewer().get('eventBus').on('elements.changed', shared.changed);
      shared.start({ clear: clear, mark: mark, select: select, source: source });
    })
    .catch(shared.failed);
})();
