import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import type { IServiceSpec } from 'kubernetes-models/v1/ServiceSpec';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { IEnvFromSource } from 'kubernetes-models/v1/EnvFromSource';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { IVolumeMount } from 'kubernetes-models/v1/VolumeMount';
import type { IDeploymentSpec } from 'kubernetes-models/apps/v1/DeploymentSpec';
import type { IHorizontalPodAutoscalerSpec } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscalerSpec';
import type { IPodDisruptionBudgetSpec } from 'kubernetes-models/policy/v1/PodDisruptionBudgetSpec';
import type { INetworkPolicySpec } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicySpec';
import type { INetworkPolicyPeer } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer';
import type { INetworkPolicyIngressRule } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyIngressRule';
import { principalOf } from '../model/environment';
import { ConfigError } from '../core/errors';
import { IMeshService, VERSION_LABEL } from '../mesh/mesh-service';
import { ServiceMonitor, ServiceMonitorOptions } from '../monitoring/service-monitor';
import { checkDnsLabel, checkDnsLabel1035, checkEnvVarName, checkInteger, checkPort, checkPortName } from '../core/names';
import { Placement, placementOf } from '../model/placement';
import { ReleaseBindingValue, ReleaseRegistry } from '../release/release-registry';
import { checkExternalSecretUse, ExternalSecret } from '../secrets/external-secret';
import { contentHash } from './config-hash';
import { EnvValue } from './env-value';
import { checkTag } from '../core/image-tag';
import { ImageReference } from './image';
import { Probe, ProbeRole } from './probe';
import { Resources, ResourcesProps } from '../model/resources';
import { checkUid, containerSecurityContext, DEFAULT_UID, podSecurityContext } from './security';

export { VERSION_LABEL } from '../mesh/mesh-service';

/** Size limit of each writable emptyDir (bounds what a compromised process can fill). */
export const WRITABLE_SIZE_LIMIT = '256Mi';

/** Label carrying the service name (Istio's and Kiali's convention). */
export const APP_LABEL = 'app';

/** When the kubelet pulls a container's image (the container's `imagePullPolicy`). */
export enum ImagePullPolicy {
  /** Pull only when the node does not have the image (right for pinned tags). */
  IF_NOT_PRESENT = 'IfNotPresent',
  /** Pull (resolve the tag) at every container start. */
  ALWAYS = 'Always',
  /** Never pull: the image must be on the node. */
  NEVER = 'Never',
}

/** One version (v1, v2, ...) of a web service: its own Deployment. */
export interface WebServiceVersionProps {
  /** Version name, a DNS-1123 label such as `v1`. It is the `version` label and the DestinationRule subset. */
  readonly name: string;
  /**
   * Image tag this version runs unless the environment's release state pins another.
   * @default - the service's `tag`
   */
  readonly tag?: string;
  /**
   * Configuration of this version only, merged over the service's `config` into its ConfigMap.
   * @default - none
   */
  readonly config?: Record<string, string>;
  /**
   * Environment variables of this version only. A name also set on the service is an error.
   * @default - none
   */
  readonly env?: Record<string, string | EnvValue>;
  /**
   * Replicas of this version.
   * @default - the service's `replicas`
   */
  readonly replicas?: number;
}

/** Prometheus scraping of the service's metrics endpoint. */
export interface MetricsProps {
  /** @default '/metrics' */
  readonly path?: string;
  /** @default - the container port */
  readonly port?: number;
  /**
   * Write the `prometheus.io/scrape`, `port` and `path` annotations on the pods. Istio's
   * metrics merging reads them, so `serviceMonitor` with its default mechanism needs them.
   * @default true
   */
  readonly annotations?: boolean;
  /**
   * A Prometheus Operator ServiceMonitor for the pods (and its `<name>-metrics` Service). Its
   * default mechanism, Istio's metrics merging, scrapes the Istio agent's port 15020 and so
   * works under the namespace's STRICT mTLS and default-deny AuthorizationPolicy (see
   * `ServiceMonitor`).
   * @default - none: annotations only
   */
  readonly serviceMonitor?: ServiceMonitorOptions;
  /**
   * Namespace of the Prometheus that scrapes the pods: with `networkPolicy` and
   * `serviceMonitor` set, the NetworkPolicy lets it reach the scraped port.
   * @default 'monitoring'
   */
  readonly prometheusNamespace?: string;
}

/** PodDisruptionBudget across all versions of the service. */
export interface DisruptionBudgetProps {
  /** Pods that must stay up during voluntary disruptions. @default - unset; `maxUnavailable` 1 when neither is set */
  readonly minAvailable?: number | string;
  /** Pods that may be down. @default 1 */
  readonly maxUnavailable?: number | string;
}

/** HorizontalPodAutoscaler for each version's Deployment (the Deployment then has no `replicas`). */
export interface AutoscalingProps {
  /** @default 1 */
  readonly minReplicas?: number;
  /** Upper bound of replicas per version. */
  readonly maxReplicas: number;
  /** Target average CPU utilization (% of request). @default 75 */
  readonly cpuUtilization?: number;
}

/** Ingress NetworkPolicy for the service's pods. */
export interface NetworkPolicyProps {
  /** Services whose pods may connect. @default - none besides the ingress gateway */
  readonly allowFrom?: IMeshService[];
  /** Let the environment's ingress gateway namespace connect. @default true */
  readonly allowIngressGateway?: boolean;
}

/**
 * Props of a WebService.
 */
export interface WebServiceProps {
  /** Service name: a DNS-1035 label. It is the `app` label, the Service name and the Deployment name (plus `-<version>`). */
  readonly name: string;
  /**
   * The image repository (`ghcr.io/org/backend`, combined with the tags), or a full pinned
   * reference (`ghcr.io/org/backend:1.2.3`) when the service has no `tag`.
   */
  readonly image: string;
  /**
   * Default image tag (of every version without its own tag). Never `latest`.
   * @default - taken from `image`
   */
  readonly tag?: string;
  /**
   * Versions, each its own Deployment labelled `version`; routes and DestinationRule subsets use them.
   * @default - no versions: one Deployment named after the service
   */
  readonly versions?: WebServiceVersionProps[];
  /**
   * Container port. The process must listen on 0.0.0.0 (not 127.0.0.1): the sidecar and the
   * kubelet's probes connect over the pod IP.
   * @default 5000 (Flask)
   */
  readonly port?: number;
  /**
   * Port name; its prefix tells Istio the protocol (`http`, `grpc`, `tcp-...`).
   * @default 'http'
   */
  readonly portName?: string;
  /**
   * Port of the Service.
   * @default - the container port
   */
  readonly servicePort?: number;
  /**
   * Health endpoint for the default probes.
   * @default '/healthz'
   */
  readonly healthPath?: string;
  /** @default - HTTP GET `healthPath`, up to 150 s to start */
  readonly startupProbe?: Probe;
  /** @default - HTTP GET `healthPath` every 10 s, restart after 3 failures */
  readonly livenessProbe?: Probe;
  /** @default - HTTP GET `healthPath` every 5 s, unready after 3 failures */
  readonly readinessProbe?: Probe;
  /**
   * Replicas of each version.
   * @default - the environment's replicas (1 outside an AppChart)
   */
  readonly replicas?: number;
  /**
   * CPU and memory requests and limits.
   * @default - the environment's resources, else cpu 100m/500m and memory 128Mi/256Mi
   */
  readonly resources?: ResourcesProps;
  /**
   * Configuration as environment variables, in a content-hashed immutable ConfigMap per version.
   * @default - none
   */
  readonly config?: Record<string, string>;
  /** @default - none */
  readonly env?: Record<string, string | EnvValue>;
  /**
   * ExternalSecrets whose every key becomes an environment variable (`envFrom` of the
   * Secrets their operator writes). Their known keys must be valid variable names.
   * @default - none
   */
  readonly secretEnv?: ExternalSecret[];
  /**
   * When the kubelet pulls the image. Images are pinned, so pulling once per node is enough;
   * `ALWAYS` keeps what a repository adopted with it had (`cdk8s-gitops adopt`).
   * @default ImagePullPolicy.IF_NOT_PRESENT
   */
  readonly imagePullPolicy?: ImagePullPolicy;
  /** Container command. @default - the image's entrypoint */
  readonly command?: string[];
  /** Container args. @default - the image's cmd */
  readonly args?: string[];
  /**
   * Prometheus scraping: the `prometheus.io/*` annotations and, with `serviceMonitor`, a
   * Prometheus Operator ServiceMonitor that works under STRICT mTLS; `false` to disable.
   * @default - annotations for `/metrics` on the container port, no ServiceMonitor
   */
  readonly metrics?: MetricsProps | false;
  /**
   * ServiceAccount name (its principal is what AuthorizationPolicies allow).
   * @default `<name>-sa`
   */
  readonly serviceAccountName?: string;
  /** UID of the container process (>= 10000, never 1337). @default 10001 */
  readonly runAsUser?: number;
  /** GID of the container process (>= 10000, never 1337). @default 10001 */
  readonly runAsGroup?: number;
  /**
   * Writable paths (emptyDir volumes of at most 256Mi each); the root filesystem is read-only.
   * @default ['/tmp']
   */
  readonly writablePaths?: string[];
  /** @default - no PodDisruptionBudget */
  readonly disruptionBudget?: DisruptionBudgetProps;
  /** @default - no autoscaling */
  readonly autoscaling?: AutoscalingProps;
  /** @default - no NetworkPolicy */
  readonly networkPolicy?: NetworkPolicyProps;
  /**
   * Spread replicas across nodes (soft: ScheduleAnyway).
   * @default true
   */
  readonly topologySpread?: boolean;
}

/** A resolved version of a service. */
export interface WebServiceVersion {
  /** Version name. */
  readonly name: string;
  /** The image reference it runs. */
  readonly image: string;
  /** Its Deployment's name. */
  readonly deploymentName: string;
}

/** A version as constructed: its checked settings and its image (from the release state). */
interface Version {
  readonly name?: string;
  readonly image: ReleaseBindingValue;
  readonly deploymentName: string;
  readonly replicas: number;
  readonly env: ReadonlyMap<string, EnvValue>;
  readonly configMapName?: string;
  readonly selector: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
}

/** The checked settings every version shares. */
interface PodSettings {
  readonly uid: number;
  readonly gid: number;
  readonly resources: Resources;
  readonly probes: Readonly<Record<ProbeRole, Record<string, any>>>;
  readonly volumes: readonly IVolume[];
  readonly mounts: readonly IVolumeMount[];
  readonly metrics?: { readonly path: string; readonly port: number; readonly annotations: boolean; readonly prometheusNamespace: string };
  readonly secretEnv: readonly string[];
  readonly autoscaling?: { readonly min: number; readonly max: number; readonly cpu: number };
  readonly imagePullPolicy: ImagePullPolicy;
}

/**
 * A hardened HTTP service, secure by default: every pod passes Pod Security Standards
 * "restricted" with no options set. One Deployment per version, one Service over all
 * versions, its own ServiceAccount without a token, probes, canonical resources, pinned
 * images, content-hashed config.
 *
 * Works in any cdk8s chart: in an AppChart it takes the environment's defaults (replicas,
 * resources, gateway) and, inside a GitOpsApp, its image tags follow the environment's
 * release state; elsewhere it uses the chart's namespace and the tags given in code.
 */
export class WebService extends Construct implements IMeshService {
  /** Service name (`app` label, Service name). */
  public readonly name: string;
  /** Namespace. */
  public readonly namespace: string;
  /** ServiceAccount name. */
  public readonly serviceAccountName: string;
  /** Service port. */
  public readonly port: number;
  /** Port name (Istio protocol prefix). */
  public readonly portName: string;
  /** Container port. */
  public readonly containerPort: number;
  /** The Kubernetes Service. */
  public readonly service: ApiObject;
  /** Whether the service was declared with versions. */
  public readonly versioned: boolean;
  /** Its ServiceMonitor, when `metrics.serviceMonitor` is set. */
  public readonly serviceMonitor?: ServiceMonitor;
  private readonly placement: Placement;
  private readonly props: WebServiceProps;
  private readonly pod: PodSettings;
  private readonly _versions: Version[] = [];
  private readonly env = new Map<string, EnvValue>();

  constructor(scope: Construct, id: string, props: WebServiceProps) {
    super(scope, id);
    const path = this.node.path;
    this.props = props;
    this.placement = placementOf(this);
    const environment = this.placement.environment;

    this.name = checkDnsLabel1035(path, 'name', props.name);
    this.namespace = this.placement.namespace;
    this.containerPort = checkPort(path, 'port', props.port ?? 5000);
    this.port = checkPort(path, 'servicePort', props.servicePort ?? this.containerPort);
    this.portName = checkPortName(path, 'portName', props.portName ?? 'http');
    this.serviceAccountName = checkDnsLabel(path, 'serviceAccountName', props.serviceAccountName ?? `${this.name}-sa`);
    for (const [name, value] of Object.entries(props.env ?? {})) this.addEnvAt(path, `env.${name}`, name, value);
    this.pod = this.checkPod(path, props);

    const versionProps = this.checkVersions(path, props.versions ?? []);
    this.versioned = versionProps.length > 0;
    if (props.tag !== undefined) checkTag(path, 'tag', props.tag);
    const replicas = checkInteger(path, 'replicas', props.replicas ?? environment.replicas, 0);

    new ApiObject(this, 'ServiceAccount', this.buildServiceAccount());
    const builds = this.versioned ? versionProps.map((v, i) => ({ props: v, field: `versions[${i}]` })) : [{ props: undefined, field: '' }];
    for (const { props: v, field } of builds) {
      const version = this.constructVersion(path, v, field, replicas);
      this._versions.push(version);
      const suffix = version.name ? `-${version.name}` : '';
      // the Deployment's spec is rendered at synth: its env follows addEnv()
      new ApiObject(this, `Deployment${suffix}`, {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: version.deploymentName, labels: version.labels },
        spec: Lazy.any({ produce: () => this._toKube(version) }),
      });
      if (this.pod.autoscaling) {
        new ApiObject(this, `Autoscaler${suffix}`, {
          apiVersion: 'autoscaling/v2',
          kind: 'HorizontalPodAutoscaler',
          metadata: { name: version.deploymentName, labels: version.labels },
          spec: this.buildAutoscaler(version),
        });
      }
    }
    this.service = new ApiObject(this, 'Service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: this.name, labels: this.labels() },
      spec: this.buildService(),
    });
    if (props.metrics && props.metrics.serviceMonitor) {
      const options = props.metrics.serviceMonitor;
      const merged = (options.mechanism?.scrapesIstioAgent ?? true);
      if (merged && !this.pod.metrics!.annotations) {
        throw new ConfigError(path, 'metrics.annotations', false, 'must be true with a ServiceMonitor using ScrapeMechanism.istioMergedMetrics(): the Istio agent finds the app\'s metrics through the prometheus.io annotations');
      }
      this.serviceMonitor = new ServiceMonitor(this, 'ServiceMonitor', {
        ...options,
        service: this,
        port: merged ? undefined : this.pod.metrics!.port,
        path: merged ? undefined : this.pod.metrics!.path,
      });
    }
    if (props.disruptionBudget) {
      new ApiObject(this, 'DisruptionBudget', {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name: this.name, labels: this.labels() },
        spec: this.buildDisruptionBudget(path, props.disruptionBudget),
      });
    }
    if (props.networkPolicy) {
      new ApiObject(this, 'NetworkPolicy', {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: this.name, labels: this.labels() },
        spec: this.buildNetworkPolicy(props.networkPolicy),
      });
    }
  }

  /** The versions (a copy). A service without versions has one entry with an empty name. */
  public get versions(): WebServiceVersion[] {
    return this._versions.map(v => ({ name: v.name ?? '', image: v.image.ref, deploymentName: v.deploymentName }));
  }

  /** Version names (empty for a service without versions). */
  public get versionNames(): string[] {
    return this.versioned ? this._versions.map(v => v.name!) : [];
  }

  /** Labels selecting every pod of the service (a copy). */
  public get selectorLabels(): Record<string, string> {
    return { [APP_LABEL]: this.name };
  }

  /** Istio principal of the service's ServiceAccount. */
  public get principal(): string {
    return principalOf(this.placement.environment, this.namespace, this.serviceAccountName);
  }

  /** Add an environment variable to every version; a name already set is an error. */
  public addEnv(name: string, value: string | EnvValue): void {
    this.addEnvAt(this.node.path, `addEnv(${JSON.stringify(name)})`, name, value);
  }

  /** The Deployment spec of a version, as it renders now (its env may change until synth). */
  private _toKube(version: Version): IDeploymentSpec {
    const p = this.props;
    const annotations = this.pod.metrics?.annotations ? {
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': String(this.pod.metrics.port),
      'prometheus.io/path': this.pod.metrics.path,
    } : undefined;
    return {
      replicas: this.pod.autoscaling ? undefined : version.replicas,
      revisionHistoryLimit: 5,
      selector: { matchLabels: { ...version.selector } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      template: {
        metadata: { labels: { ...version.labels }, annotations },
        spec: {
          serviceAccountName: this.serviceAccountName,
          automountServiceAccountToken: false,
          securityContext: podSecurityContext(this.pod.uid, this.pod.gid),
          containers: [this.buildContainer(version)],
          volumes: this.pod.volumes.map(v => ({ ...v })),
          topologySpreadConstraints: (p.topologySpread ?? true) ? [{
            maxSkew: 1,
            topologyKey: 'kubernetes.io/hostname',
            whenUnsatisfiable: 'ScheduleAnyway',
            labelSelector: { matchLabels: { ...version.selector } },
          }] : undefined,
        },
      },
    };
  }

  private buildContainer(version: Version): IContainer {
    const p = this.props;
    const env: IEnvVar[] = [...this.env.entries(), ...version.env.entries()].map(([n, value]) => value.toJson(n) as IEnvVar);
    const envFrom: IEnvFromSource[] = [
      ...(version.configMapName ? [{ configMapRef: { name: version.configMapName } }] : []),
      ...this.pod.secretEnv.map(name => ({ secretRef: { name } })),
    ];
    return {
      name: this.name,
      image: version.image.ref,
      imagePullPolicy: this.pod.imagePullPolicy,
      command: p.command ? [...p.command] : undefined,
      args: p.args ? [...p.args] : undefined,
      ports: [{ name: this.portName, containerPort: this.containerPort, protocol: 'TCP' }],
      env: env.length > 0 ? env : undefined,
      envFrom: envFrom.length > 0 ? envFrom : undefined,
      resources: this.pod.resources.toJson(),
      ...this.pod.probes,
      securityContext: containerSecurityContext(this.pod.uid, this.pod.gid),
      volumeMounts: this.pod.mounts.map(m => ({ ...m })),
    };
  }

  private buildServiceAccount(): IServiceAccount {
    return {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: this.serviceAccountName, labels: this.labels() },
      automountServiceAccountToken: false,
    };
  }

  private buildService(): IServiceSpec {
    return {
      selector: this.selectorLabels,
      ports: [{ name: this.portName, port: this.port, targetPort: this.portName, protocol: 'TCP' }],
    };
  }

  private buildAutoscaler(version: Version): IHorizontalPodAutoscalerSpec {
    const a = this.pod.autoscaling!;
    return {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: version.deploymentName },
      minReplicas: a.min,
      maxReplicas: a.max,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: a.cpu } } }],
    };
  }

  private buildDisruptionBudget(path: string, b: DisruptionBudgetProps): IPodDisruptionBudgetSpec {
    if (b.minAvailable !== undefined && b.maxUnavailable !== undefined) {
      throw new ConfigError(path, 'disruptionBudget', b, 'must set minAvailable or maxUnavailable, not both');
    }
    const intOrPercent = (field: string, x: number | string) => {
      if (typeof x === 'number') return checkInteger(path, field, x, 0);
      if (!/^(100|[1-9]?[0-9])%$/.test(x)) throw new ConfigError(path, field, x, 'must be an integer or a percentage such as "50%"');
      return x;
    };
    return {
      selector: { matchLabels: this.selectorLabels },
      minAvailable: b.minAvailable !== undefined ? intOrPercent('disruptionBudget.minAvailable', b.minAvailable) : undefined,
      maxUnavailable: b.minAvailable === undefined ? intOrPercent('disruptionBudget.maxUnavailable', b.maxUnavailable ?? 1) : undefined,
    };
  }

  private buildNetworkPolicy(np: NetworkPolicyProps): INetworkPolicySpec {
    const from: INetworkPolicyPeer[] = (np.allowFrom ?? []).map(s => ({
      podSelector: { matchLabels: s.selectorLabels },
      namespaceSelector: s.namespace === this.namespace ? undefined : { matchLabels: { 'kubernetes.io/metadata.name': s.namespace } },
    }));
    if (np.allowIngressGateway ?? true) {
      from.push({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': this.placement.environment.gatewayNamespace } } });
    }
    const ingress: INetworkPolicyIngressRule[] = from.length > 0 ? [{ from, ports: [{ port: this.containerPort, protocol: 'TCP' }] }] : [];
    if (this.serviceMonitor) {
      // Prometheus, and only it, reaches the scraped port
      ingress.push({
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': this.pod.metrics!.prometheusNamespace } } }],
        ports: [{ port: this.serviceMonitor.scrapePort, protocol: 'TCP' }],
      });
    }
    return {
      podSelector: { matchLabels: this.selectorLabels },
      policyTypes: ['Ingress'],
      ingress: ingress.length > 0 ? ingress : undefined,
    };
  }

  /** Labels of every object of the service. */
  private labels(extra: Record<string, string> = {}): Record<string, string> {
    return {
      [APP_LABEL]: this.name,
      ...extra,
      'app.kubernetes.io/name': this.name,
      ...(this.placement.appChart ? { 'app.kubernetes.io/part-of': this.placement.appChart.app } : {}),
      'app.kubernetes.io/managed-by': 'cdk8s-gitops',
    };
  }

  /** Check what every version's pod shares: identity, resources, probes, volumes, metrics, autoscaling. */
  private checkPod(path: string, props: WebServiceProps): PodSettings {
    const uid = checkUid(path, 'runAsUser', props.runAsUser ?? DEFAULT_UID);
    const gid = checkUid(path, 'runAsGroup', props.runAsGroup ?? DEFAULT_UID);
    const resources = Resources.ofAt(path, 'resources', props.resources, this.placement.environment.resources);

    // probes: liveness and readiness must differ (identical probes restart pods that are merely busy)
    const health = props.healthPath ?? '/healthz';
    const probe = (p: Probe | undefined, field: string, role: ProbeRole) => (p ?? Probe.fromHttpGet(health)).withDefaultPort(this.portName).toJson(path, field, role);
    const probes = {
      [ProbeRole.STARTUP]: probe(props.startupProbe, 'startupProbe', ProbeRole.STARTUP),
      [ProbeRole.LIVENESS]: probe(props.livenessProbe, 'livenessProbe', ProbeRole.LIVENESS),
      [ProbeRole.READINESS]: probe(props.readinessProbe, 'readinessProbe', ProbeRole.READINESS),
    } as Record<ProbeRole, Record<string, any>>;
    if (JSON.stringify(probes[ProbeRole.LIVENESS]) === JSON.stringify(probes[ProbeRole.READINESS])) {
      throw new ConfigError(path, 'livenessProbe', 'same as readinessProbe', 'must differ from readinessProbe (path, port or timing): identical probes restart pods that are only busy');
    }

    const writable = props.writablePaths ?? ['/tmp'];
    writable.forEach((p, i) => {
      if (typeof p !== 'string' || !p.startsWith('/')) throw new ConfigError(path, `writablePaths[${i}]`, p, 'must be an absolute path');
    });
    if (new Set(writable).size !== writable.length) throw new ConfigError(path, 'writablePaths', writable, 'must not repeat a path');
    const volumes = writable.map((_, i) => ({ name: i === 0 ? 'tmp' : `writable-${i}`, emptyDir: { sizeLimit: WRITABLE_SIZE_LIMIT } }));
    const mounts = writable.map((mountPath, i) => ({ name: volumes[i].name, mountPath }));

    const metrics = props.metrics === false ? undefined : {
      path: props.metrics?.path ?? '/metrics',
      port: checkPort(path, 'metrics.port', props.metrics?.port ?? this.containerPort),
      annotations: props.metrics?.annotations ?? true,
      prometheusNamespace: checkDnsLabel(path, 'metrics.prometheusNamespace', props.metrics?.prometheusNamespace ?? 'monitoring'),
    };
    if (metrics && !metrics.path.startsWith('/')) throw new ConfigError(path, 'metrics.path', metrics.path, 'must be an absolute URL path such as "/metrics"');

    const secretEnv = (props.secretEnv ?? []).map((es, i) => {
      const field = `secretEnv[${i}]`;
      if (!(es instanceof ExternalSecret)) throw new ConfigError(path, field, es, 'must be an ExternalSecret');
      this.checkSameNamespace(path, field, es);
      for (const key of es.knownKeys) checkEnvVarName(path, `${field} key ${JSON.stringify(key)}`, key);
      return checkExternalSecretUse(es, path, field);
    });
    if (new Set(secretEnv).size !== secretEnv.length) throw new ConfigError(path, 'secretEnv', secretEnv, 'must not repeat a Secret');

    let autoscaling: PodSettings['autoscaling'];
    if (props.autoscaling) {
      const a = props.autoscaling;
      const min = checkInteger(path, 'autoscaling.minReplicas', a.minReplicas ?? 1, 1);
      const max = checkInteger(path, 'autoscaling.maxReplicas', a.maxReplicas, 1);
      if (max < min) throw new ConfigError(path, 'autoscaling.maxReplicas', max, `must be >= autoscaling.minReplicas (${min})`);
      autoscaling = { min, max, cpu: checkInteger(path, 'autoscaling.cpuUtilization', a.cpuUtilization ?? 75, 1, 1000) };
    }
    const imagePullPolicy = props.imagePullPolicy ?? ImagePullPolicy.IF_NOT_PRESENT;
    if (!Object.values(ImagePullPolicy).includes(imagePullPolicy)) {
      throw new ConfigError(path, 'imagePullPolicy', imagePullPolicy, `must be one of ${Object.values(ImagePullPolicy).map(v => JSON.stringify(v)).join(', ')} (ImagePullPolicy)`);
    }
    return { uid, gid, resources, probes, volumes, mounts, metrics, secretEnv, autoscaling, imagePullPolicy };
  }

  /** Check the version names: DNS-1123 labels, each once. */
  private checkVersions(path: string, versions: readonly WebServiceVersionProps[]): readonly WebServiceVersionProps[] {
    const seen = new Set<string>();
    versions.forEach((v, i) => {
      checkDnsLabel(path, `versions[${i}].name`, v?.name);
      if (seen.has(v.name)) throw new ConfigError(path, `versions[${i}].name`, v.name, 'is declared twice: version names must be unique');
      seen.add(v.name);
    });
    return versions;
  }

  /** Check one version's settings, bind its image to the release state and make its ConfigMap. */
  private constructVersion(path: string, v: WebServiceVersionProps | undefined, field: string, replicas: number): Version {
    const prefix = field ? `${field}.` : '';
    const name = v?.name;
    const selector: Record<string, string> = name ? { [APP_LABEL]: this.name, [VERSION_LABEL]: name } : { [APP_LABEL]: this.name };
    const deploymentName = checkDnsLabel(path, `${prefix}name`, name ? `${this.name}-${name}` : this.name);
    const image = this.bindImage(path, `${prefix}tag`, name, v?.tag);
    const versionReplicas = checkInteger(path, `${prefix}replicas`, v?.replicas ?? replicas, 0);

    // version-only env: names must not repeat the service's
    const env = new Map<string, EnvValue>();
    for (const [envName, value] of Object.entries(v?.env ?? {})) this.addEnvAt(path, `${prefix}env.${envName}`, envName, value, env);

    const labels = this.labels(name ? { [VERSION_LABEL]: name } : {});
    const config = { ...(this.props.config ?? {}), ...(v?.config ?? {}) };
    let configMapName: string | undefined;
    if (Object.keys(config).length > 0) {
      for (const key of Object.keys(config)) checkEnvVarName(path, `${prefix}config.${key}`, key);
      configMapName = `${this.name}-config${name ? `-${name}` : ''}-${contentHash(config)}`;
      new ApiObject(this, `Config${name ? `-${name}` : ''}`, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: configMapName, labels },
        data: Object.fromEntries(Object.keys(config).sort().map(k => [k, config[k]])),
        immutable: true,
      });
    }
    return { name, image, deploymentName, replicas: versionReplicas, env, configMapName, selector, labels };
  }

  /**
   * The image of a version: inside an AppChart of a GitOpsApp the tag the environment's release
   * state (the app's, fixed when it is made) pins, else the one in code; elsewhere the tag in code.
   */
  private bindImage(path: string, field: string, versionName: string | undefined, versionTag: string | undefined): ReleaseBindingValue {
    const p = this.props;
    const environment = this.placement.environment.name;
    const cluster = this.placement.environment.cluster?.name;
    const render = (tag: string | undefined, released: boolean): string => (tag === undefined
      // pinned in code (a third-party image such as redis): not part of the release state
      ? ImageReference.parseAt(path, 'image', p.image)
      : ImageReference.fromTagAt(path, 'image', p.image, released ? `release state of ${this.placement.environment.folder} (${this.name}${versionName ? ` ${versionName}` : ''})` : field, tag)
    ).toString();
    const fallback = versionTag ?? p.tag;
    const registry = this.placement.appChart ? ReleaseRegistry.of(this) : undefined;
    if (registry === undefined) return { ref: render(fallback, false), tag: fallback };
    return registry.bind({ path, environment, cluster, service: this.name, version: versionName, fallback, render });
  }

  /**
   * Check an environment variable and add it to the service's env (every version), or to
   * `versionEnv`: a name is set once, in the service's env or in versions' own.
   */
  private addEnvAt(path: string, field: string, name: string, value: string | EnvValue, versionEnv?: Map<string, EnvValue>): void {
    checkEnvVarName(path, field, name);
    const setIn = this.env.has(name) ? (versionEnv ? ' in the service\'s env' : '')
      : versionEnv ? undefined : this._versions.filter(v => v.env.has(name)).map(v => ` in the env of version ${v.name}`)[0];
    if (setIn !== undefined) throw new ConfigError(path, field, name, `is already set${setIn}: each environment variable is defined once`);
    (versionEnv ?? this.env).set(name, this.checkEnvValue(path, field, value));
  }

  /** The EnvValue of `value`; one from an ExternalSecret must come from this namespace. */
  private checkEnvValue(path: string, field: string, value: string | EnvValue): EnvValue {
    if (typeof value === 'string') return EnvValue.fromValue(value);
    if (value?.externalSecret) this.checkSameNamespace(path, field, value.externalSecret);
    return value;
  }

  /** Throw unless `es` writes its Secret into this service's namespace (pods read Secrets of their own namespace only). */
  private checkSameNamespace(path: string, field: string, es: ExternalSecret): void {
    const ns = placementOf(es).namespace;
    if (ns !== this.namespace) {
      throw new ConfigError(path, field, es.node.path, `is an ExternalSecret in namespace ${JSON.stringify(ns)}: pods of ${JSON.stringify(this.namespace)} can only use Secrets of their own namespace`);
    }
  }
}
