/** The canary fixture program with four more services like monitor (s1..s4), for the concurrent-push test. */
import { GitOpsApp, GitOpsAppProps } from '../../src/app/gitops-app';
import { makeApp } from './fixture-app-canary';

/** The program entry point `--app` loads. */
export function createApp(props: GitOpsAppProps): GitOpsApp {
  return makeApp(props, ['s1', 's2', 's3', 's4']);
}
