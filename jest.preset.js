// Shared jest settings: swc transpiles TypeScript (with decorator metadata for Nest/TypeORM);
// type checking is done once by `tsc` in the typecheck target, not per test file.
const path = require('node:path');

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    '^@wgfleet/domain$': path.join(__dirname, 'libs/domain/src/index.ts'),
    '^@wgfleet/testing$': path.join(__dirname, 'libs/testing/src/index.ts'),
    '^@wgfleet/proto$': path.join(__dirname, 'libs/proto/src/index.ts'),
  },
};
