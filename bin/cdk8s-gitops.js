#!/usr/bin/env node
'use strict';
// Node's own compile cache for this command-line tool (Node >= 22.1; what Node recommends CLI
// entry points do): modules, the schema bundle above all, are compiled once, then read from
// the cache while unchanged. NODE_DISABLE_COMPILE_CACHE=1 turns it off, NODE_COMPILE_CACHE=DIR
// moves it.
require('module').enableCompileCache?.();
// One clear line on a Node.js older than package.json's engines (npm only warns at install
// time, a warning per package); the command still runs.
const engines = require('../package.json').engines?.node ?? '';
const minimum = /^>=\s*(\d+)/.exec(engines)?.[1];
if (minimum !== undefined && Number(process.versions.node.split('.')[0]) < Number(minimum)) {
  process.stderr.write(`cdk8s-gitops: Node.js ${process.versions.node} is older than this package supports (engines: node ${engines}); install Node.js ${minimum} or newer, commands may fail here\n`);
}
const cli = require('../lib/src/cli/main');
cli.exitQuietlyOnClosedOutput();
cli.main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`cdk8s-gitops: ${err && err.stack || err}\n`); process.exitCode = 1; },
);
