// Copies the prebuilt browser bundles the pages use from node_modules into app/static/vendor.
// Run by `npm run build` after `npm ci`; the copies are build output and are not committed.
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'app', 'static', 'vendor');

const files = {
  'bpmn-js/dist/bpmn-navigated-viewer.production.min.js': 'bpmn-js/bpmn-navigated-viewer.js',
  'bpmn-js/dist/assets/diagram-js.css': 'bpmn-js/diagram-js.css',
  'bpmn-js/dist/assets/bpmn-js.css': 'bpmn-js/bpmn-js.css',
  'bpmn-js/dist/assets/bpmn-font': 'bpmn-js/bpmn-font',
  '@bpmn-io/form-js/dist/form-viewer.umd.js': 'form-js/form-viewer.umd.js',
  '@bpmn-io/form-js/dist/assets/form-js.css': 'form-js/form-js.css',
  '@bpmn-io/form-js/dist/assets/flatpickr/light.css': 'form-js/flatpickr-light.css',
  'flatpickr/dist/l10n/zh.js': 'form-js/flatpickr-zh.js',
  'bpmn-js/dist/bpmn-modeler.production.min.js': 'bpmn-js/bpmn-modeler.js',
  'bpmn-js-properties-panel/dist/bpmn-js-properties-panel.umd.js': 'bpmn-js-properties-panel/properties-panel.umd.js',
  '@bpmn-io/properties-panel/dist/assets/properties-panel.css': 'bpmn-js-properties-panel/properties-panel.css',
  'camunda-bpmn-moddle/resources/camunda.json': 'camunda-bpmn-moddle/camunda.json',
  'dmn-js/dist/dmn-modeler.production.min.js': 'dmn-js/dmn-modeler.js',
  'dmn-js/dist/assets': 'dmn-js/assets',
  '@bpmn-io/form-js/dist/form-editor.umd.js': 'form-js/form-editor.umd.js',
  '@bpmn-io/form-js/dist/assets/form-js-editor.css': 'form-js/form-js-editor.css',
  '@bpmn-io/form-js/dist/assets/properties-panel.css': 'form-js/properties-panel.css',
  '@bpmn-io/form-js/dist/assets/draggle.css': 'form-js/draggle.css',
  'htmx.org/dist/htmx.min.js': 'htmx/htmx.min.js',
  'chart.js/dist/chart.umd.js': 'chart.js/chart.umd.js',
};

rmSync(target, { recursive: true, force: true });
for (const [from, to] of Object.entries(files)) {
  const destination = join(target, to);
  mkdirSync(dirname(destination), { recursive: true });
  cpSync(join(root, 'node_modules', from), destination, { recursive: true });
}
console.log(`vendor assets copied to ${target}`);
