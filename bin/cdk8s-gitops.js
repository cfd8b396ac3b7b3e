#!/usr/bin/env node
'use strict';
// Node's own compile cache for this command-line tool (Node >= 22.1; what Node recommends CLI
// entry points do): modules, the schema bundle above all, are compiled once, then read from
// the cache while unchanged. NODE_DISABLE_COMPILE_CACHE=1 turns it off, NODE_COMPILE_CACHE=DIR
// moves it.
require('module').enableCompileCache?.();
const cli = require('../lib/src/cli/main');
cli.exitQuietlyOnClosedOutput();
cli.main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`cdk8s-gitops: ${err && err.stack || err}\n`); process.exitCode = 1; },
);
