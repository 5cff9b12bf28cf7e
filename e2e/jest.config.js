const preset = require('../jest.preset.js');

// Black-box tests: a controller process, agent processes and hosts in network namespaces,
// driven only through the REST API and the agents' command line.
module.exports = { ...preset, displayName: 'e2e', rootDir: __dirname, testMatch: ['<rootDir>/test/**/*.spec.ts'] };
