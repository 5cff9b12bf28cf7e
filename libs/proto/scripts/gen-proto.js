// Generates the TypeScript types of the agent protocol: `npm run gen:proto` writes them to
// libs/proto/src/generated (committed, never edited by hand); the lib's test runs this with
// another output directory and compares. The options must match PROTO_LOADER_OPTIONS in
// libs/proto/src/loader.ts, which decodes messages into these shapes at run time.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '../../..');
const outDir = path.resolve(process.argv[2] ?? path.join(root, 'libs/proto/src/generated'));

// A message removed from the .proto must not leave its stale file behind.
fs.rmSync(outDir, { recursive: true, force: true });
execFileSync(
  path.join(root, 'node_modules/.bin/proto-loader-gen-types'),
  ['--grpcLib=@grpc/grpc-js', '--longs=Number', '--enums=String', '--defaults', '--oneofs', '--includeComments', '-I', 'proto', '-O', outDir, 'wgfleet/agent/v1/service.proto'],
  { cwd: root, stdio: 'inherit' },
);
