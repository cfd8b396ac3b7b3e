/**
 * A cdk8s-gitops program with routed versions in an environment of two clusters, for the tests
 * of progressive delivery cluster by cluster: the fleet of fixture-app-fleet.ts (dev in one
 * cluster, prod in `prod-eu` and `prod-us`) running the shop of fixture-app-canary.ts in each
 * (backend with header and cookie routes then the default split, legacy with weights in code,
 * stock with only the default split, frontend without versions), plus `search` (a header route
 * to v2, then the default split) in prod-eu only. prod's default weights are 90/10. Images are
 * `registry.example/NAME:TAG`, tag `1.0.0` until the release state pins another.
 * `createApp` is what `--app` loads.
 */
import { GitOpsApp, GitOpsAppProps } from '../../src';
import { addShop } from './fixture-app-canary';
import { makeFleetApp } from './fixture-app-fleet';

export { DEFAULT_TAG } from './fixture-app-canary';

export function createApp(props: GitOpsAppProps = {}): GitOpsApp {
  return makeFleetApp(props, (chart, env) => addShop(chart, env.cluster?.name === 'prod-eu' ? ['search'] : []), { weights: { v1: 90, v2: 10 } });
}
