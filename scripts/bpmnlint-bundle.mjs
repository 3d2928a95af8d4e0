// Bundles bpmnlint's recommended rules and the bpmn-js lint module into one browser script, so the model
// editor lints as its owner draws. Neither package ships a browser build and bpmnlint finds its rules with
// require() at run time, so the rules are imported statically into a resolver here and esbuild bundles it
// all (the bpmnlint-pack-config idea, without another tool). Run by `npm run build` after the vendor copy.
//
// Output, app/static/vendor/bpmnlint/ (build output, not committed):
//   bpmnlint-bundle.js  an IIFE setting window.BpmnLint = { config, lintModule, Linter, rules }
//   bpmnlint.css        the lint module's overlay and panel styles
// Editor use:  new BpmnJS({ linting: { bpmnlint: BpmnLint.config, active: true },
//                           additionalModules: [BpmnLint.lintModule] })
import { createRequire } from 'node:module';
import { cpSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'app', 'static', 'vendor', 'bpmnlint');
const require = createRequire(join(root, 'package.json'));
const { rules } = require('bpmnlint/config/recommended');

const names = Object.keys(rules);
const entry = [
  "import { Linter } from 'bpmnlint';",
  "import StaticResolver from 'bpmnlint/lib/resolver/static-resolver';",
  "import lintModule from 'bpmn-js-bpmnlint';",
  ...names.map((name, index) => `import rule${index} from 'bpmnlint/rules/${name}';`),
  'const cache = {',
  ...names.map((name, index) => `  'rule:bpmnlint/${name}': rule${index},`),
  '};',
  `const rules = ${JSON.stringify(rules)};`,
  'const config = { resolver: new StaticResolver(cache), config: { rules } };',
  'window.BpmnLint = { config, lintModule, Linter, rules };',
].join('\n');

mkdirSync(target, { recursive: true });
await build({
  stdin: { contents: entry, resolveDir: root, loader: 'js' },
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2020',
  outfile: join(target, 'bpmnlint-bundle.js'),
  logLevel: 'warning',
});
cpSync(join(root, 'node_modules', 'bpmn-js-bpmnlint', 'dist', 'assets', 'css', 'bpmn-js-bpmnlint.css'),
       join(target, 'bpmnlint.css'));
console.log(`bpmnlint bundle (${names.length} recommended rules) written to ${target}`);
