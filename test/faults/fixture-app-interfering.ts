/**
 * The fixture program of the GitOps tests, plus a test hook for the fault suite: when
 * FIXTURE_CREATE_FILE names a file, the first construction of the program creates it (empty).
 * Pointing it at `.git/index.lock` makes a git process appear to hold the index while the
 * release is already past its checks (its push lands, its local fast-forward cannot).
 */
import * as fs from 'fs';
import { GitOpsApp, GitOpsAppProps } from '../../src/app/gitops-app';
import { makeApp } from '../gitops/fixture-app';

let created = false;

/** The program entry point `--app` loads. */
export function createApp(props: GitOpsAppProps): GitOpsApp {
  const file = process.env.FIXTURE_CREATE_FILE;
  if (file && !created) {
    created = true;
    fs.writeFileSync(file, '');
  }
  return makeApp(props);
}
