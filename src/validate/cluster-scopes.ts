import { Manifest } from '../core/manifest';
import { Deployments } from './inventory';

/**
 * The manifests of each cluster the output deploys to, for the checks across objects (a
 * VirtualService and its Gateway, a ServiceMonitor and its Service ... must be in the same
 * cluster; an environment in two clusters has the same namespaces and names in both). A
 * manifest's cluster is the destination of the Argo CD Application (or ApplicationSet-generated
 * Application) whose source folder holds it; manifests no Application deploys to a named cluster
 * belong to every cluster.
 *
 * @returns the manifests of each cluster, or undefined when the output deploys to one cluster at most
 */
export function clusterScopes(manifests: readonly Manifest[], deployed: Deployments): Manifest[][] | undefined {
  const byCluster = new Map<string, Manifest[]>();
  const everywhere: Manifest[] = [];
  for (const m of manifests) {
    const cluster = deployed.of(m.path).cluster;
    if (cluster === undefined) {
      everywhere.push(m);
      continue;
    }
    const list = byCluster.get(cluster);
    if (list) list.push(m);
    else byCluster.set(cluster, [m]);
  }
  if (byCluster.size <= 1) return undefined;
  return [...byCluster.values()].map(ms => [...ms, ...everywhere]);
}
