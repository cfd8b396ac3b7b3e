import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { AppChart } from '../app-chart';
import { ManifestObject } from '../manifest-object';
import { formatArgoDuration } from '../duration';
import { checkDnsLabel, checkInteger } from '../names';
import { AppProject } from './app-project';
import { ArgoCdChart } from './argocd-chart';

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
    const path = this.node.path;
    const chart = ArgoCdChart.of(this);
    const src = props.source;
    const cluster = src.environment.cluster;
    this.name = checkDnsLabel(path, 'name', props.name ?? `${src.app}-${cluster?.name ?? src.environment.name}`);
    props.project.addApplication(src);
    new ManifestObject(this, 'Resource', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: {
        name: this.name,
        finalizers: [RESOURCES_FINALIZER],
        labels: applicationLabels(src.app, src.environment.name, cluster?.name),
      },
      spec: {
        project: props.project.name,
        source: {
          repoURL: chart.repoURL,
          targetRevision: chart.targetRevision,
          path: src.path,
          directory: { recurse: false },
        },
        destination: { ...(cluster?.destination ?? { server: chart.server }), namespace: src.namespace },
        syncPolicy: syncPolicy(path, props.automated ?? src.environment.automatedSync, props.retry, props.syncOptions),
      },
    });
  }
}

/** The labels of an Application (generated or not): the app, the environment and the cluster. */
export function applicationLabels(app: string, environment: string, cluster: string | undefined): Record<string, string> {
  return { 'app.kubernetes.io/part-of': app, 'cdk8s-gitops.io/environment': environment, ...(cluster !== undefined ? { 'cdk8s-gitops.io/cluster': cluster } : {}) };
}

/** The sync policy of an Application (generated or not), props checked against the construct at `path`. */
export function syncPolicy(path: string, automated: boolean, retry: SyncRetryProps = {}, syncOptions: readonly string[] = DEFAULT_SYNC_OPTIONS): Record<string, unknown> {
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
