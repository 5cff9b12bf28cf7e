const preset = require('../../jest.preset.js');

module.exports = { ...preset, displayName: 'controller', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'] };
