import type { IApplicationSetTemplate } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/ApplicationSetTemplate';
import type { IApplicationSpec } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/ApplicationSpec';
import type { ISyncPolicy } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/SyncPolicy';
import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { AppChart } from '../model/app-chart';
import { Environment } from '../model/environment';
import { ManifestObject } from '../core/manifest-object';
import { formatArgoDuration } from '../core/duration';
import { checkDnsLabel, checkInteger } from '../core/names';
import { AppProject } from './app-project';
import { ArgoCdChart, destinationOf } from './argocd-chart';

/** The finalizer that makes deleting an Application delete what it deployed. */
export const RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';

/** The sync options every Application gets unless it sets its own (those of the A/B testing platform's applications). */
export const DEFAULT_SYNC_OPTIONS: readonly string[] = Object.freeze(['CreateNamespace=true', 'ApplyOutOfSyncOnly=true', 'RespectIgnoreDifferences=true']);

/** Retry of failed syncs. */
export interface SyncRetryProps {
  /** @default 5 */
  readonly limit?: number;
  /** First wait between retries. @default Duration.seconds(5) */
  readonly duration?: Duration;
  /** @default 2 */
  readonly factor?: number;
  /** Longest wait between retries. @default Duration.minutes(3) */
  readonly maxDuration?: Duration;
}

/**
 * Props of an Application.
 */
export interface ApplicationProps {
  /** The project it belongs to (the project learns its destination from it). */
  readonly project: AppProject;
  /**
   * The application chart it syncs: its folder is the source path, its namespace the destination
   * namespace, its cluster (in a multi-cluster environment) the destination cluster.
   */
  readonly source: AppChart;
  /** @default `<app>-<environment>`, or `<app>-<cluster>` for a chart of a cluster */
  readonly name?: string;
  /**
   * Sync automatically with prune and self-heal; when false, sync is manual (prod: changed by
   * reviewed promotion pull requests).
   * @default - the environment's `automatedSync`
   */
  readonly automated?: boolean;
  /** @default - limit 5, backoff 5s x2 up to 3m */
  readonly retry?: SyncRetryProps;
  /** @default DEFAULT_SYNC_OPTIONS */
  readonly syncOptions?: string[];
}

/**
 * An Argo CD Application syncing one application chart (one environment of one app, or one
 * cluster of a multi-cluster environment: then its destination is the cluster's).
 */
export class Application extends Construct {
  /** Its name. */
  public readonly name: string;

  constructor(scope: Construct, id: string, props: ApplicationProps) {
    super(scope, id);
    const chart = ArgoCdChart.of(this);
    const src = props.source;
    const cluster = src.environment.cluster;
    this.name = checkDnsLabel(this.node.path, 'name', props.name ?? `${src.app}-${cluster?.name ?? src.environment.name}`);
    props.project.addApplication(src);
    new ManifestObject(this, 'Resource', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      ...applicationBody(this, props, {
        name: this.name,
        app: src.app,
        environment: src.environment,
        cluster: cluster?.name,
        path: src.path,
        destination: { ...destinationOf(chart, src.environment), namespace: src.namespace },
      }),
    });
  }
}

/** What one Application deploys: values, or Go template expressions in an ApplicationSet's template. */
export interface ApplicationTarget {
  /** The Application's name. */
  readonly name: string;
  /** The app (label `app.kubernetes.io/part-of`). */
  readonly app: string;
  /** The environment (label `cdk8s-gitops.io/environment`; its `automatedSync` is the default). */
  readonly environment: Environment;
  /** The cluster's name (label `cdk8s-gitops.io/cluster`), in a multi-cluster environment. */
  readonly cluster?: string;
  /** Source folder of the repository. */
  readonly path: string;
  /** Destination: the cluster (`server` or `name`) and the namespace. */
  readonly destination: Readonly<Record<string, string | undefined>>;
}

/**
 * The metadata and spec of an Application (or of an ApplicationSet's template): labels, the
 * resources finalizer, a non-recursive directory source of the repository of `scope`'s Argo CD
 * chart, the project and the sync policy of `props` (checked against `scope`'s path).
 * @internal
 */
export function applicationBody(
  scope: Construct,
  props: Pick<ApplicationProps, 'project' | 'automated' | 'retry' | 'syncOptions'>,
  target: ApplicationTarget,
): IApplicationSetTemplate {
  const chart = ArgoCdChart.of(scope);
  return {
    metadata: {
      name: target.name,
      finalizers: [RESOURCES_FINALIZER],
      labels: {
        'app.kubernetes.io/part-of': target.app,
        'cdk8s-gitops.io/environment': target.environment.name,
        ...(target.cluster !== undefined ? { 'cdk8s-gitops.io/cluster': target.cluster } : {}),
      },
    },
    spec: {
      project: props.project.name,
      source: { repoURL: chart.repoURL, targetRevision: chart.targetRevision, path: target.path, directory: { recurse: false } },
      destination: target.destination,
      syncPolicy: syncPolicy(scope.node.path, props.automated ?? target.environment.automatedSync, props.retry, props.syncOptions),
    } satisfies IApplicationSpec,
  };
}

/** The sync policy of an Application (generated or not), props checked against the construct at `path`. */
function syncPolicy(path: string, automated: boolean, retry: SyncRetryProps = {}, syncOptions: readonly string[] = DEFAULT_SYNC_OPTIONS): ISyncPolicy {
  return {
    automated: automated ? { prune: true, selfHeal: true, allowEmpty: false } : undefined,
    retry: {
      limit: checkInteger(path, 'retry.limit', retry.limit ?? 5, 0),
      backoff: {
        duration: formatArgoDuration(path, 'retry.duration', retry.duration ?? Duration.seconds(5)),
        factor: checkInteger(path, 'retry.factor', retry.factor ?? 2, 1),
        maxDuration: formatArgoDuration(path, 'retry.maxDuration', retry.maxDuration ?? Duration.minutes(3)),
      },
    },
    syncOptions: [...syncOptions],
  };
}
