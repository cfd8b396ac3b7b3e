/** The fixture program with ten services (for the concurrent-push test): s1..s8 without versions, backend and monitor with v1/v2. */
import { GitOpsApp, GitOpsAppProps } from '../../src/app/gitops-app';
import { makeApp } from './fixture-app';

/** Services of this program. */
export const SERVICES = [
  ...Array.from({ length: 8 }, (_, i) => ({ name: `s${i + 1}` })),
  { name: 'backend', versions: ['v1', 'v2'] },
  { name: 'monitor', versions: ['v1', 'v2'] },
];

/** The program entry point `--app` loads. */
export function createApp(props: GitOpsAppProps): GitOpsApp {
  return makeApp(props, SERVICES);
}
