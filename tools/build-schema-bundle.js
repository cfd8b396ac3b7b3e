#!/usr/bin/env node
// Prebuild the schema validators (part of `npm run build`, after tsc):
//   lib/schemas/validators.js     the schema modules of the kinds cdk8s-gitops's constructs render
//                                 (those of the reference app's output), rewritten once (see
//                                 src/validate/schema-modules.ts, schema-bundle.ts);
//   lib/schemas/validators.cache  V8's code cache of it, made after validating the reference
//                                 app's output with it (so the validators it runs are compiled).
// Loading both takes ~30 ms where reading and compiling the same modules one by one took ~70 ms
// (the reference synth). Other kinds, other package versions, or no bundle at all: validation
// loads the modules from node_modules as before. (A bundle of every Kubernetes 1.28, Istio and
// Argo CD kind was tried: 3.4 MiB, and loading it took as long as it saved.)
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const LIB = path.join(__dirname, '..', 'lib', 'src');
const modules = require(path.join(LIB, 'validate', 'schema-modules.js'));
const OUT = modules.SCHEMA_BUNDLE_FILE; // lib/schemas/validators.js
const CACHE = modules.codeCacheFile(OUT);
const { createApp } = require(path.join(LIB, 'main.js'));

if (process.argv[2] === '--cache') {
  // second step, in a fresh process: load the bundle, run the reference validation, keep V8's cache
  if (!modules.useSchemaBundle(OUT).loaded) throw new Error(`${OUT}: the bundle just written does not load`);
  require(path.join(LIB, 'validate', 'index.js')).assertValid(createApp().manifests());
  fs.writeFileSync(CACHE, modules.schemaBundleCodeCache());
  process.exit(0);
}

for (const f of [OUT, CACHE]) fs.rmSync(f, { force: true });
modules.useSchemaBundle(OUT); // none now: modules come from node_modules
const kinds = [...new Set(createApp().manifests().map(m => `${m.object.apiVersion} ${m.object.kind}`))].sort().map(k => k.split(' '));
const summary = require(path.join(LIB, 'validate', 'schema-bundle.js')).writeSchemaBundle(OUT, kinds);
const r = spawnSync(process.execPath, [__filename, '--cache'], { stdio: 'inherit' });
if (r.status !== 0) throw new Error('building the code cache of the schema bundle failed');
process.stdout.write(`schema bundle: ${summary.modules} modules of ${kinds.length} kinds (${Object.entries(summary.packages).map(([n, v]) => `${n}@${v}`).join(', ')}), `
  + `${(summary.bytes / 1048576).toFixed(1)} MiB, code cache ${(fs.statSync(CACHE).size / 1024).toFixed(0)} KiB\n`);
