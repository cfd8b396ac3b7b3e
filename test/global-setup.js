/**
 * Jest global setup (runs once, in jest's main process, before the workers start):
 *
 * - transpiles the sources and the test programs into the cache of the require hook that
 *   spawned test CLIs use (test/gitops/ts-register.js): on a fresh clone the suites that spawn
 *   several CLIs at once would otherwise each transpile every module;
 * - points TMPDIR at a folder of this run, which test/global-teardown.js removes: what the
 *   tests leave in the temporary folder (cdk8s's `Testing.app()` makes a folder per call and
 *   never removes it) goes with it; XDG_STATE_HOME too (synth's state for folders outside git);
 * - drops NODE_EXTRA_CA_CERTS: the tests use no network, and Node 20 parses those
 *   certificates at every start (40 ms per spawned process on a machine that sets it);
 * - drops the CI's commit variables (GITHUB_SHA, CI_COMMIT_SHA, GIT_COMMIT, ...), which the
 *   commit trailers default to: the tests that check those set them themselves.
 * The workers and the processes they spawn inherit the environment.
 */
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

module.exports = async () => {
  const root = path.join(__dirname, '..');
  process.env.CDK8S_GITOPS_TS_CACHE = path.join(os.tmpdir(), 'cdk8s-gitops-ts-cache');
  require('./gitops/ts-register').warm([path.join(root, 'src'), path.join(root, 'test', 'gitops'), path.join(root, 'test', 'faults')]);
  process.env.CDK8S_GITOPS_TEST_TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gitops-test-run-'));
  process.env.TMPDIR = process.env.CDK8S_GITOPS_TEST_TMP;
  // synth's state for output folders outside git (see src/git/swap-journal.ts): not the user's
  process.env.XDG_STATE_HOME = path.join(process.env.CDK8S_GITOPS_TEST_TMP, 'state');
  delete process.env.NODE_EXTRA_CA_CERTS;
  // the commit trailers default to a CI's commit variables: tests set them where they test that
  for (const v of ['GITHUB_SHA', 'GITHUB_REPOSITORY', 'GITHUB_SERVER_URL', 'CI_COMMIT_SHA', 'CI_PROJECT_URL', 'GIT_COMMIT', 'GIT_URL']) delete process.env[v];
};
