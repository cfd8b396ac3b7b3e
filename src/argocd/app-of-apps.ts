import type { IAppProjectSpec } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProjectSpec';
import type { IApplicationSpec } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/ApplicationSpec';
import { Construct } from 'constructs';
import { RepositoryChart } from '../model/repository-chart';
import { ManifestObject } from '../core/manifest-object';
import { checkDnsLabel } from '../core/names';
import { RESOURCES_FINALIZER } from './application';
import { ArgoCdChart } from './argocd-chart';

/**
 * Props of AppOfApps.
 */
export interface AppOfAppsProps {
  /** The Argo CD folder the root application syncs. */
  readonly argocd: ArgoCdChart;
  /** @default 'root' */
  readonly name?: string;
  /**
   * Repository folder of the bootstrap objects (applied once by hand: `kubectl apply -f bootstrap/`).
   * @default 'bootstrap'
   */
  readonly path?: string;
}

/**
 * The app-of-apps root: a `bootstrap/` folder holding a root AppProject (it may only manage
 * Applications and AppProjects in Argo CD's namespace, from this repository) and the root
 * Application that syncs the Argo CD folder automatically.
 */
export class AppOfApps extends RepositoryChart {
  constructor(scope: Construct, id: string, props: AppOfAppsProps) {
    const a = props.argocd;
    super(scope, id, { path: props.path ?? 'bootstrap', namespace: a.argoNamespace });
    const name = checkDnsLabel(this.node.path, 'name', props.name ?? 'root');
    new ManifestObject(this, 'Project', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: { name },
      spec: {
        description: 'App of apps: syncs the Argo CD folder of the GitOps repository',
        sourceRepos: [a.repoURL],
        destinations: [{ server: a.server, namespace: a.argoNamespace }],
        namespaceResourceWhitelist: [
          { group: 'argoproj.io', kind: 'AppProject' },
          { group: 'argoproj.io', kind: 'Application' },
        ],
      } satisfies IAppProjectSpec,
    });
    new ManifestObject(this, 'Application', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name, finalizers: [RESOURCES_FINALIZER] },
      spec: {
        project: name,
        source: { repoURL: a.repoURL, targetRevision: a.targetRevision, path: a.path, directory: { recurse: false } },
        destination: { server: a.server, namespace: a.argoNamespace },
        syncPolicy: {
          automated: { prune: true, selfHeal: true, allowEmpty: false },
          retry: { limit: 5, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } },
        },
      } satisfies IApplicationSpec,
    });
  }
}
