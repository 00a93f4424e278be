#!/usr/bin/env node
// Builds the native tier's addon (native/) with node-gyp when oneDNN is installed.
// As the package's install step it never fails: without oneDNN, or if the build breaks, discern
// runs on the wasm tier and this says how to enable the native one. `--required` (npm run
// build:native) fails instead.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const required = process.argv.includes('--required');
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const header = '/usr/include/oneapi/dnnl/dnnl.hpp';
const enable = 'apt-get install -y libdnnl-dev && npm run build:native';

function giveUp(reason) {
  const message = `discern: native tier not built: ${reason}. discern will use the wasm tier; to enable the native one: ${enable}`;
  if (required) {
    console.error(message);
    process.exit(1);
  }
  console.warn(message);
  process.exit(0);
}

if (!existsSync(header)) giveUp(`oneDNN headers not found (${header})`);
const nodeGyp = process.env.npm_config_node_gyp;
if (!nodeGyp || !existsSync(nodeGyp)) giveUp('node-gyp not found (run this through npm: npm run build:native)');
const build = spawnSync(process.execPath, [nodeGyp, 'rebuild'], { cwd: join(root, 'native'), encoding: 'utf8' });
if (build.status !== 0) {
  const tail = `${build.stdout}\n${build.stderr}`.trim().split('\n').slice(-15).join('\n');
  giveUp(`the build failed:\n${tail}\n`);
}
console.log('discern: native tier built (native/build/Release/discern_native.node)');
