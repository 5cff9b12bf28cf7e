// Runs a TypeScript entry point without ts-node: a require hook that transpiles .ts files with
// @swc/core (already a dev dependency) and maps the @wgfleet/* path aliases.
//   node bench/agent/tc-bench.run.js [bench/agent/tc-bench.ts] [args...]
const path = require('node:path');
const fs = require('node:fs');
const Module = require('node:module');
const swc = require('@swc/core');

const root = path.resolve(__dirname, '../..');
const aliases = {
  '@wgfleet/domain': path.join(root, 'libs/domain/src/index.ts'),
  '@wgfleet/testing': path.join(root, 'libs/testing/src/index.ts'),
  '@wgfleet/proto': path.join(root, 'libs/proto/src/index.ts'),
};
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolve.call(this, aliases[request] ?? request, ...rest);
};
require.extensions['.ts'] = (module, filename) => {
  const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript', decorators: true }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
const entry = process.argv[2] && process.argv[2].endsWith('.ts') ? process.argv.splice(2, 1)[0] : path.join(__dirname, 'tc-bench.ts');
require(path.resolve(entry));
