#!/usr/bin/env node
'use strict';
const cli = require('../lib/src/cli/main');
cli.exitQuietlyOnClosedOutput();
cli.main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`cdk8s-gitops: ${err && err.stack || err}\n`); process.exitCode = 1; },
);
