// Require hook for running TypeScript directly (benchmarks, dev runs): swc transpiles each .ts
// file on load, with decorator metadata for Nest/TypeORM, and the @wgfleet/* aliases resolve to
// the libs' sources. Usage: node -r ./scripts/register-ts.js path/to/file.ts
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const swc = require('@swc/core');

const root = path.join(__dirname, '..');
const aliases = {
  '@wgfleet/domain': path.join(root, 'libs/domain/src/index.ts'),
  '@wgfleet/testing': path.join(root, 'libs/testing/src/index.ts'),
  '@wgfleet/proto': path.join(root, 'libs/proto/src/index.ts'),
};

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolve.call(this, aliases[request] ?? request, ...rest);
};

require.extensions['.ts'] = function (module, filename) {
  const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    sourceMaps: 'inline',
    jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
