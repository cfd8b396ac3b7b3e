import type { IAppProjectSpec } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProjectSpec';
import type { IApplicationDestination } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/ApplicationDestination';
import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { AppChart } from '../model/app-chart';
import { compareText } from '../core/compare';
import { ManifestObject } from '../core/manifest-object';
import { checkDnsLabel } from '../core/names';
import type { Environment } from '../model/environment';
import { ArgoCdChart, destinationOf } from './argocd-chart';

/**
 * What an AppProject reads of an ApplicationSet it deploys ({@link ApplicationSet} is one): the
 * environment whose clusters it generates Applications for, their namespace and their charts.
 */
export interface IProjectApplicationSet {
  /** The environment whose clusters the set generates Applications for. */
  readonly environment: Environment;
  /** The namespace of the generated Applications' workloads. */
  readonly namespace: string;
  /** The charts the generated Applications deploy. */
  charts(): AppChart[];
}

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
 * destinations are the namespaces of the applications added to it (in the cluster each deploys
 * to: the Argo CD chart's server, or a cluster of a multi-cluster environment by server or
 * name), the only cluster-scoped kind it may manage is Namespace, and the namespaced kinds are
 * exactly those its applications render.
 */
export class AppProject extends Construct {
  /** Project name. */
  public readonly name: string;
  private readonly chart: ArgoCdChart;
  private readonly apps: AppChart[] = [];
  private readonly sets: IProjectApplicationSet[] = [];

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
        destinations: Lazy.any({ produce: (): IApplicationDestination[] => this.destinations() }),
        clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
        namespaceResourceWhitelist: Lazy.any({ produce: (): IAppProjectSpec['namespaceResourceWhitelist'] => this.namespacedKinds() }),
        orphanedResources: { warn: true },
      } satisfies IAppProjectSpec,
    });
  }

  /** Let the project deploy an application chart (its namespace, in its cluster, becomes a destination). */
  public addApplication(chart: AppChart): void {
    if (!this.apps.includes(chart)) this.apps.push(chart);
  }

  /** Let the project deploy the Applications of an ApplicationSet (its namespace in each of its clusters becomes a destination). */
  public addApplicationSet(set: IProjectApplicationSet): void {
    if (!this.sets.includes(set)) this.sets.push(set);
  }

  /** Cluster (server or name) and namespace of every application, sorted by namespace, then cluster. */
  private destinations(): Array<{ server?: string; name?: string; namespace: string }> {
    const seen = new Map<string, { server?: string; name?: string; namespace: string }>();
    const add = (cluster: { server?: string; name?: string }, namespace: string) => {
      seen.set(`${namespace}\0${cluster.server ?? ''}\0${cluster.name ?? ''}`, { ...cluster, namespace });
    };
    for (const a of this.apps) add(destinationOf(this.chart, a.environment), a.namespace);
    for (const s of this.sets) for (const c of s.environment.clusters) add(c.destination, s.namespace);
    return [...seen.keys()].sort(compareText).map(k => seen.get(k)!);
  }

  private namespacedKinds(): Array<{ group: string; kind: string }> {
    const kinds = new Map<string, { group: string; kind: string }>();
    for (const app of [...this.apps, ...this.sets.flatMap(s => s.charts())]) {
      for (const c of app.node.findAll()) {
        if (!(c instanceof ApiObject) || c.kind === 'Namespace') continue;
        const group = c.apiVersion.includes('/') ? c.apiVersion.split('/')[0] : '';
        kinds.set(`${group}/${c.kind}`, { group, kind: c.kind });
      }
    }
    return [...kinds.keys()].sort().map(k => kinds.get(k)!);
  }
}
