#!/usr/bin/env node
// Prebuild the schema validators (part of `npm run build`, after tsc): lib/schemas/validators.js
// holds the schema modules of the kinds cdk8s-gitops's constructs render (BUNDLED_KINDS in
// src/validate/schema-bundle.ts), rewritten once (see src/validate/schema-modules.ts). Loading
// it is one `require` instead of reading and rewriting ~100 modules one by one. It records the
// package versions it was built from: with other versions installed, validation reads the
// modules from node_modules as without a bundle.
'use strict';
const fs = require('fs');
const path = require('path');

const LIB = path.join(__dirname, '..', 'lib', 'src', 'validate');
const modules = require(path.join(LIB, 'schema-modules.js'));
const { BUNDLED_KINDS, writeSchemaBundle } = require(path.join(LIB, 'schema-bundle.js'));
const OUT = modules.SCHEMA_BUNDLE_FILE; // lib/schemas/validators.js

fs.rmSync(OUT, { force: true });
modules.useSchemaBundle(OUT); // none now: modules come from node_modules
const summary = writeSchemaBundle(OUT, BUNDLED_KINDS);
process.stdout.write(`schema bundle: ${summary.modules} modules of ${BUNDLED_KINDS.length} kinds (${Object.entries(summary.packages).map(([n, v]) => `${n}@${v}`).join(', ')}), `
  + `${(summary.bytes / 1048576).toFixed(1)} MiB\n`);
