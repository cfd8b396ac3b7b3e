import type { IApplicationSetGenerator } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/ApplicationSetGenerator';
import type { IApplicationSetSpec } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/ApplicationSetSpec';
import { Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { AppChart } from '../model/app-chart';
import { Environment } from '../model/environment';
import { ConfigError } from '../core/errors';
import { ManifestObject } from '../core/manifest-object';
import { checkDnsLabel } from '../core/names';
import { AppProject } from './app-project';
import { applicationBody, SyncRetryProps } from './application';
import { ArgoCdChart } from './argocd-chart';

/** How an ApplicationSet finds the clusters of its environment. */
export enum ClusterGenerator {
  /**
   * A list generator: one element per cluster of the environment (its name and its Argo CD
   * destination, by server or by name), as the program lists them.
   */
  LIST = 'list',
  /**
   * A git-directory generator over the folders `<environment>/<any cluster>/<app>` of the
   * repository: an Application for every cluster folder there, whose destination is the Argo CD
   * cluster named like the folder. Every cluster must be registered in Argo CD under its name
   * (no `server`, no other `destinationName`).
   */
  GIT_DIRECTORIES = 'git-directories',
}

/**
 * Props of an ApplicationSet.
 */
export interface ApplicationSetProps {
  /** The project its Applications belong to (the project learns their destinations from it). */
  readonly project: AppProject;
  /** The environment (not a cluster's view of it): it must list clusters. */
  readonly environment: Environment;
  /** The application (DNS-1123 label): the app of the AppCharts built in each cluster, folders `<environment>/<cluster>/<app>`. */
  readonly app: string;
  /** @default ClusterGenerator.LIST */
  readonly generator?: ClusterGenerator;
  /** @default `<app>-<environment>` */
  readonly name?: string;
  /**
   * Destination namespace of every generated Application: the namespace of the app's charts,
   * the same in every cluster (a chart built with another namespace is an error).
   * @default - the environment's namespace for the app (`<app>-<environment>` unless set)
   */
  readonly namespace?: string;
  /**
   * Sync automatically with prune and self-heal; when false, sync is manual.
   * @default - the environment's `automatedSync`
   */
  readonly automated?: boolean;
  /** @default - limit 5, backoff 5s x2 up to 3m */
  readonly retry?: SyncRetryProps;
  /** @default DEFAULT_SYNC_OPTIONS */
  readonly syncOptions?: string[];
}

/**
 * An Argo CD ApplicationSet: one Application per cluster of a multi-cluster environment for one
 * app (named `<app>-<cluster>`, source `<environment>/<cluster>/<app>`, destination the cluster's),
 * from a list or a git-directory generator. Go templates with `missingkey=error`. Its clusters
 * come from the Environment, so it may be created with the other Argo CD objects, outside the
 * environment's builder.
 */
export class ApplicationSet extends Construct {
  /** Its name. */
  public readonly name: string;
  /** The environment whose clusters it deploys. */
  public readonly environment: Environment;
  /** The application. */
  public readonly app: string;
  /** Destination namespace of every generated Application. */
  public readonly namespace: string;

  constructor(scope: Construct, id: string, props: ApplicationSetProps) {
    super(scope, id);
    const path = this.node.path;
    const chart = ArgoCdChart.of(this);
    const env = props.environment;
    if (env.cluster !== undefined) {
      throw new ConfigError(path, 'environment', env.folder, `is the view of cluster ${JSON.stringify(env.cluster.name)}: give the environment itself (the ApplicationSet covers all its clusters)`);
    }
    const clusters = env.clusters;
    if (clusters.length === 0) {
      throw new ConfigError(path, 'environment', env.name, 'lists no clusters: an ApplicationSet deploys an app to the clusters of an environment; for one cluster use an Application');
    }
    this.environment = env;
    this.app = checkDnsLabel(path, 'app', props.app);
    this.name = checkDnsLabel(path, 'name', props.name ?? `${this.app}-${env.name}`);
    this.namespace = checkDnsLabel(path, 'namespace', props.namespace ?? env.namespaceOf(this.app));
    const generator = props.generator ?? ClusterGenerator.LIST;
    const byServer = clusters.filter(c => c.server !== undefined).map(c => c.name);
    if (byServer.length > 0 && byServer.length < clusters.length) {
      throw new ConfigError(path, 'environment', env.name, `has clusters with a destination server (${byServer.join(', ')}) and clusters with a destination name: one template has one of them; give every cluster a server, or none`);
    }
    let generators: IApplicationSetGenerator[];
    let cluster: string;
    let sourcePath: string;
    let destination: Record<string, string>;
    if (generator === ClusterGenerator.GIT_DIRECTORIES) {
      const renamed = clusters.filter(c => c.destinationName !== c.name);
      if (renamed.length > 0) {
        throw new ConfigError(path, 'generator', generator, `needs every cluster registered in Argo CD under its folder's name, but ${renamed.map(c => `${c.name} deploys to ${c.server ?? c.destinationName}`).join(', ')}: use ClusterGenerator.LIST`);
      }
      generators = [{ git: { repoURL: chart.repoURL, revision: chart.targetRevision, directories: [{ path: `${env.name}/*/${this.app}` }] } }];
      cluster = '{{index .path.segments 1}}';
      sourcePath = '{{.path.path}}';
      destination = { name: cluster };
    } else if (generator === ClusterGenerator.LIST) {
      const elements = clusters.map(c => ({ cluster: c.name, ...c.destination }));
      generators = [{ list: { elements } }];
      cluster = '{{.cluster}}';
      sourcePath = `${env.name}/{{.cluster}}/${this.app}`;
      destination = byServer.length > 0 ? { server: '{{.server}}' } : { name: '{{.name}}' };
    } else {
      throw new ConfigError(path, 'generator', generator, `is not a ClusterGenerator (allowed: ${Object.values(ClusterGenerator).join(', ')})`);
    }
    props.project.addApplicationSet(this);
    new ManifestObject(this, 'Resource', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'ApplicationSet',
      metadata: { name: this.name },
      spec: {
        goTemplate: true,
        goTemplateOptions: ['missingkey=error'],
        generators,
        template: applicationBody(this, props, {
          name: `${this.app}-${cluster}`,
          app: this.app,
          environment: env,
          cluster,
          path: sourcePath,
          destination: { ...destination, namespace: this.namespace },
        }),
      } satisfies IApplicationSetSpec,
    });
    this.node.addValidation({ validate: () => this.charts().filter(c => c.namespace !== this.namespace).map(c => `the chart ${c.node.path} of ${c.environment.folder} has namespace ${JSON.stringify(c.namespace)}, but its ApplicationSet ${JSON.stringify(this.name)} deploys the app to namespace ${JSON.stringify(this.namespace)} in every cluster: build the charts with the same namespace, or set the ApplicationSet's namespace`) });
  }

  /** The AppCharts of the app in the clusters of the environment built so far (found in the app's tree when asked). */
  public charts(): AppChart[] {
    const out: AppChart[] = [];
    const visit = (c: IConstruct): void => {
      if (AppChart.isAppChart(c)) {
        if (c.app === this.app && c.environment.name === this.environment.name) out.push(c);
        return;
      }
      if (Chart.isChart(c)) return; // no app charts inside other charts
      for (const child of c.node.children) visit(child);
    };
    visit(this.node.root);
    return out;
  }
}
