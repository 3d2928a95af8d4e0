// The form editor: form-js's editor (palette, canvas, properties panel) on the deployed Camunda Form JSON.
// Saving sends the schema as the editor exports it; a refused save lists the problems and selects a field.
(function () {
  'use strict';

  var shared = window.modelEditor;
  if (!shared || !window.FormEditor || typeof window.FormEditor.createFormEditor !== 'function') {
    if (shared) {
      shared.failed(new Error('the form-js editor bundle did not load'));
    }
    return;
  }

  function controls(editor) {
    function select(id) {
      var field = editor.get('formFieldRegistry').get(id);
      if (field) {
        editor.get('selection').set(field);
      }
    }

    function source() {
      return Promise.resolve(JSON.stringify(editor.saveSchema(), null, 2) + '\n');
    }

    return { clear: function () {}, mark: function () {}, select: select, source: source };
  }

  var schema;
  try {
    schema = JSON.parse(shared.data.source);
  } catch (error) {
    shared.failed(error);
    return;
  }
  window.FormEditor.createFormEditor({ container: shared.canvas, schema: schema })
    .then(function (editor) {
      shared.instance = editor;
      editor.on('changed', shared.changed);
      shared.start(controls(editor));
    })
    .catch(shared.failed);
})();
