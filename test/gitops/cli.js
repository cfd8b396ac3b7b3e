#!/usr/bin/env node
/** Run the cdk8s-gitops CLI from the TypeScript sources (for tests that spawn real processes). */
'use strict';
require('./ts-register');
const cli = require('../../src/cli/main');
cli.exitQuietlyOnClosedOutput();
cli.main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`cdk8s-gitops: ${(err && err.stack) || err}\n`); process.exitCode = 1; },
);
