import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { AppChart } from '../app-chart';
import { ManifestObject } from '../manifest-object';
import { checkDnsLabel } from '../names';
import { ArgoCdChart } from './argocd-chart';

/**
 * Props of an AppProject.
 */
export interface AppProjectProps {
  /** Project name (DNS-1123 label). */
  readonly name: string;
  /** @default - none */
  readonly description?: string;
}

/**
 * A least-privilege Argo CD AppProject: its only source is the chart's repository, its only
 * destinations are the namespaces of the applications added to it, the only cluster-scoped
 * kind it may manage is Namespace, and the namespaced kinds are exactly those its
 * applications render.
 */
export class AppProject extends Construct {
  /** Project name. */
  public readonly name: string;
  private readonly chart: ArgoCdChart;
  private readonly apps: AppChart[] = [];

  constructor(scope: Construct, id: string, props: AppProjectProps) {
    super(scope, id);
    this.chart = ArgoCdChart.of(this);
    this.name = checkDnsLabel(this.node.path, 'name', props.name);
    new ManifestObject(this, 'Resource', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: { name: this.name },
      spec: {
        description: props.description,
        sourceRepos: [this.chart.repoURL],
        destinations: Lazy.any({
          produce: () => {
            const seen = new Map<string, { server: string; namespace: string }>();
            for (const a of this.apps) seen.set(a.namespace, { server: this.chart.server, namespace: a.namespace });
            return [...seen.keys()].sort().map(k => seen.get(k)!);
          },
        }),
        clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
        namespaceResourceWhitelist: Lazy.any({ produce: () => this.namespacedKinds() }),
        orphanedResources: { warn: true },
      },
    });
  }

  /** Let the project deploy an application chart (its namespace becomes a destination). */
  public addApplication(chart: AppChart): void {
    if (!this.apps.includes(chart)) this.apps.push(chart);
  }

  private namespacedKinds(): Array<{ group: string; kind: string }> {
    const kinds = new Map<string, { group: string; kind: string }>();
    for (const app of this.apps) {
      for (const c of app.node.findAll()) {
        if (!(c instanceof ApiObject) || c.kind === 'Namespace') continue;
        const group = c.apiVersion.includes('/') ? c.apiVersion.split('/')[0] : '';
        kinds.set(`${group}/${c.kind}`, { group, kind: c.kind });
      }
    }
    return [...kinds.keys()].sort().map(k => kinds.get(k)!);
  }
}
