#!/usr/bin/env node
/**
 * `npm` for the template runner (test/examples/run-templates.test.ts), first on the steps' PATH:
 * `npm ci` of a program whose package-lock.json (and, with RUNNER_NPM_KEY=args, whose ci flags)
 * an earlier job installed takes the node_modules that install left (a hard-linked copy kept in
 * RUNNER_NPM_STASH) instead of installing the same tree again; the first such install runs the real npm,
 * offline. Everything else goes to the real npm. Each use is logged to RUNNER_NPM_LOG.
 */
'use strict';
const { spawnSync } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const args = process.argv.slice(2);
const real = () => {
  const r = spawnSync(process.env.RUNNER_REAL_NPM, args, { stdio: 'inherit' });
  return r.status ?? 1;
};
if (args[0] !== 'ci') process.exit(real());
const at = args.indexOf('--prefix');
const prefix = path.resolve(at >= 0 ? args[at + 1] : '.');
const flags = args.filter((_, i) => i !== at && i !== at + 1).sort();
const lock = fs.readFileSync(path.join(prefix, 'package-lock.json'));
const key = crypto.createHash('sha256').update(lock).update(process.env.RUNNER_NPM_KEY === 'args' ? flags.join(' ') : '').digest('hex').slice(0, 16);
const kept = path.join(process.env.RUNNER_NPM_STASH, key);
const log = (what) => fs.appendFileSync(process.env.RUNNER_NPM_LOG, `npm ${args.join(' ')}: ${what}\n`);
// hard-linked copies: a job that removes its clone (the Jenkinsfile does) leaves the kept tree whole
const copy = (from, to) => {
  const r = spawnSync('cp', ['-al', from, to], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
if (fs.existsSync(kept)) {
  fs.rmSync(path.join(prefix, 'node_modules'), { recursive: true, force: true });
  copy(kept, path.join(prefix, 'node_modules'));
  log('reused the node_modules an earlier install of this package-lock.json left');
  process.exit(0);
}
const status = real();
if (status === 0) {
  copy(path.join(prefix, 'node_modules'), kept);
  log('ran (offline)');
}
process.exit(status);
