// The process editor: bpmn-js modeler with the properties panel and the Camunda extension (candidate groups,
// forms, topics, timers, conditions, multi-instance, messages). The fields that name something deployed
// suggest the real names (datalists from /model-editor/picks.json); a refused save marks its elements.
(function () {
  'use strict';

  var shared = window.modelEditor;
  var panel = window.BpmnJSPropertiesPanel;
  if (!shared || typeof window.BpmnJS !== 'function' || !panel) {
    if (shared) {
      shared.failed(new Error('the bpmn-js bundles did not load'));
    }
    return;
  }
  var data = shared.data;

  // properties-panel input (by its name) → the pick list it suggests from; a process's starter groups are
  // checked against the same groups as a task's candidate groups
  var PICKERS = { candidateGroups: 'groups', candidateStarterGroups: 'groups', externalTopic: 'topics',
                  formRef: 'forms', decisionRef: 'decisions', messageName: 'messages' };

  function addDatalists(lists) {
    var kinds = Object.keys(PICKERS).map(function (field) { return PICKERS[field]; });
    kinds.filter(function (kind, index) { return kinds.indexOf(kind) === index; }).forEach(function (kind) {
      var list = document.createElement('datalist');
      list.id = 'editor-pick-' + kind;
      (lists[kind] || []).forEach(function (item) {
        var option = document.createElement('option');
        option.value = item.id;
        if (item.name && item.name !== item.id) {
          option.label = item.name;
        }
        list.appendChild(option);
      });
      document.body.appendChild(list);
    });
  }

  // the panel is drawn by preact inside #editor-properties: tag its inputs whenever they appear
  function decoratePanel(root) {
    function decorate() {
      Object.keys(PICKERS).forEach(function (field) {
        root.querySelectorAll('input[name="' + field + '"]:not([list])').forEach(function (input) {
          input.setAttribute('list', 'editor-pick-' + PICKERS[field]);
          input.setAttribute('autocomplete', 'off');
        });
      });
    }
    new MutationObserver(decorate).observe(root, { childList: true, subtree: true });
    decorate();
  }

  function problemBadge(count, text) {
    var badge = document.createElement('div');
    badge.className = 'editor-problem-badge';
    badge.textContent = String(count);
    badge.title = text;
    return badge;
  }

  function controls(modeler) {
    var canvas = modeler.get('canvas');
    var registry = modeler.get('elementRegistry');
    var overlays = modeler.get('overlays');
    var marked = [];

    function clear() {
      marked.forEach(function (id) {
        if (registry.get(id)) {
          canvas.removeMarker(id, 'editor-problem');
        }
      });
      marked = [];
      overlays.remove({ type: 'editor-problem' });
    }

    function mark(problems) {
      var byElement = {};
      problems.forEach(function (problem) {
        if (problem.element_id && registry.get(problem.element_id)) {
          (byElement[problem.element_id] = byElement[problem.element_id] || []).push(problem.message);
        }
      });
      Object.keys(byElement).forEach(function (id) {
        canvas.addMarker(id, 'editor-problem');
        marked.push(id);
        overlays.add(id, 'editor-problem', { position: { top: -10, right: 10 },
                                             html: problemBadge(byElement[id].length, byElement[id].join('\n')) });
      });
    }

    function select(id) {
      var element = registry.get(id);
      if (element) {
        modeler.get('selection').select(element);
        canvas.scrollToElement(element);
      }
    }

    function source() {
      return modeler.saveXML({ format: true }).then(function (result) { return result.xml; });
    }

    return { clear: clear, mark: mark, select: select, source: source };
  }

  // the whole model in view, widened on the left so that the palette does not cover its first lane
  var PALETTE_WIDTH = 120;

  function fit(canvas) {
    canvas.zoom('fit-viewport', 'auto');
    var box = canvas.viewbox();
    var margin = PALETTE_WIDTH / box.scale;
    canvas.viewbox({ x: box.x - margin, y: box.y, width: box.width + margin, height: box.height });
  }

  fetch(data.moddleUrl, { credentials: 'same-origin' })
    .then(function (response) { return response.json(); })
    .then(function (camunda) {
      var modules = [panel.BpmnPropertiesPanelModule, panel.BpmnPropertiesProviderModule,
                     panel.CamundaPlatformPropertiesProviderModule];
      var lint = window.BpmnLint;  // bpmnlint's recommended rules, checked as the owner draws
      if (lint) { modules.push(lint.lintModule); }
      var modeler = new window.BpmnJS({
        container: shared.canvas,
        propertiesPanel: { parent: '#editor-properties' },
        linting: lint ? { bpmnlint: lint.config, active: true } : undefined,
        additionalModules: modules,
        moddleExtensions: { camunda: camunda }
      });
      shared.instance = modeler;
      return modeler.importXML(data.source).then(function () {
        fit(modeler.get('canvas'));
        modeler.on('commandStack.changed', shared.changed);
        decoratePanel(document.getElementById('editor-properties'));
        shared.start(controls(modeler));
        return shared.picks().then(addDatalists);
      });
    })
    .catch(shared.failed);
})();
