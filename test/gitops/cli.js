#!/usr/bin/env node
/** Run the cdk8s-gitops CLI from the TypeScript sources (for tests that spawn real processes). */
'use strict';
require('./ts-register');
require('../../src/cli/main').main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`cdk8s-gitops: ${(err && err.stack) || err}\n`); process.exitCode = 1; },
);
