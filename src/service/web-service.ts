import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { AppChart } from '../app-chart';
import { ConfigError } from '../errors';
import { GitOpsApp, ReleaseBindingValue } from '../gitops-app';
import { ManifestObject } from '../manifest-object';
import { checkDnsLabel, checkDnsLabel1035, checkEnvVarName, checkInteger, checkPort, checkPortName } from '../names';
import { contentHash } from './config-hash';
import { EnvValue } from './env-value';
import { checkTag, ImageReference } from './image';
import { Probe, ProbeRole } from './probe';
import { Resources, ResourcesProps } from './resources';
import { checkUid, containerSecurityContext, DEFAULT_UID, podSecurityContext } from './security';

/** Size limit of each writable emptyDir (bounds what a compromised process can fill). */
export const WRITABLE_SIZE_LIMIT = '256Mi';

/** Label carrying the service name (Istio's and Kiali's convention). */
export const APP_LABEL = 'app';
/** Label carrying the version name (Istio's convention; DestinationRule subsets select it). */
export const VERSION_LABEL = 'version';

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
  readonly allowFrom?: WebService[];
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
   * @default - the environment's replicas
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
  /** Container command. @default - the image's entrypoint */
  readonly command?: string[];
  /** Container args. @default - the image's cmd */
  readonly args?: string[];
  /**
   * Prometheus scraping annotations; `false` to disable.
   * @default - scrape `/metrics` on the container port
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

/**
 * A hardened HTTP service, secure by default: every pod passes Pod Security Standards
 * "restricted" with no options set. One Deployment per version, one Service over all
 * versions, its own ServiceAccount without a token, probes, canonical resources, pinned
 * images, content-hashed config.
 */
export class WebService extends Construct {
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
  private readonly _versions: Array<{ name: string; image: ReleaseBindingValue; deploymentName: string }>;
  private readonly env: Map<string, EnvValue>;
  private readonly chart: AppChart;

  constructor(scope: Construct, id: string, props: WebServiceProps) {
    super(scope, id);
    const path = this.node.path;
    this.chart = AppChart.of(this);
    const environment = this.chart.environment;
    const app = GitOpsApp.of(this);

    this.name = checkDnsLabel1035(path, 'name', props.name);
    this.namespace = this.chart.namespace;
    this.containerPort = checkPort(path, 'port', props.port ?? 5000);
    this.port = checkPort(path, 'servicePort', props.servicePort ?? this.containerPort);
    this.portName = checkPortName(path, 'portName', props.portName ?? 'http');
    this.serviceAccountName = checkDnsLabel(path, 'serviceAccountName', props.serviceAccountName ?? `${this.name}-sa`);
    const uid = checkUid(path, 'runAsUser', props.runAsUser ?? DEFAULT_UID);
    const gid = checkUid(path, 'runAsGroup', props.runAsGroup ?? DEFAULT_UID);
    const resources = Resources.of(path, 'resources', props.resources, environment.resources);
    const replicas = checkInteger(path, 'replicas', props.replicas ?? environment.replicas, 0);

    // env: names checked, duplicates refused
    this.env = new Map();
    for (const [name, value] of Object.entries(props.env ?? {})) this.addEnvAt(path, `env.${name}`, name, value);

    // probes: liveness and readiness must differ (identical probes restart pods that are merely busy)
    const health = props.healthPath ?? '/healthz';
    const probes = {
      [ProbeRole.STARTUP]: (props.startupProbe ?? Probe.fromHttpGet(health)).withDefaultPort(this.portName).toJson(path, 'startupProbe', ProbeRole.STARTUP),
      [ProbeRole.LIVENESS]: (props.livenessProbe ?? Probe.fromHttpGet(health)).withDefaultPort(this.portName).toJson(path, 'livenessProbe', ProbeRole.LIVENESS),
      [ProbeRole.READINESS]: (props.readinessProbe ?? Probe.fromHttpGet(health)).withDefaultPort(this.portName).toJson(path, 'readinessProbe', ProbeRole.READINESS),
    };
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
    };

    // versions
    const versionProps = props.versions ?? [];
    this.versioned = versionProps.length > 0;
    const seen = new Set<string>();
    versionProps.forEach((v, i) => {
      checkDnsLabel(path, `versions[${i}].name`, v?.name);
      if (seen.has(v.name)) throw new ConfigError(path, `versions[${i}].name`, v.name, 'is declared twice: version names must be unique');
      seen.add(v.name);
    });

    if (props.tag !== undefined) checkTag(path, 'tag', props.tag);
    // The image follows the release state (app.useReleases re-renders without re-constructing).
    const imageFor = (field: string, versionName: string | undefined, versionTag: string | undefined) => app.bindRelease({
      path,
      environment: environment.name,
      service: this.name,
      version: versionName,
      fallback: versionTag ?? props.tag,
      render: (tag, released) => (tag === undefined
        // pinned in code (a third-party image such as redis): not part of the release state
        ? ImageReference.parse(path, 'image', props.image)
        : ImageReference.fromTag(path, 'image', props.image, released ? `release state of ${environment.name} (${this.name}${versionName ? ` ${versionName}` : ''})` : field, tag)
      ).toString(),
    });

    const common = { [APP_LABEL]: this.name };
    const partOf = {
      'app.kubernetes.io/name': this.name,
      'app.kubernetes.io/part-of': this.chart.app,
      'app.kubernetes.io/managed-by': 'cdk8s-gitops',
    };

    new ManifestObject(this, 'ServiceAccount', {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: this.serviceAccountName, labels: { ...common, ...partOf } },
      automountServiceAccountToken: false,
    });

    const versionsToBuild: Array<{ name?: string; props?: WebServiceVersionProps; field: string }> = this.versioned
      ? versionProps.map((v, i) => ({ name: v.name, props: v, field: `versions[${i}]` }))
      : [{ field: '' }];

    this._versions = [];
    for (const v of versionsToBuild) {
      const fieldPrefix = v.field ? `${v.field}.` : '';
      const vpath = path;
      const selector: Record<string, string> = v.name ? { ...common, [VERSION_LABEL]: v.name } : { ...common };
      const deploymentName = v.name ? `${this.name}-${v.name}` : this.name;
      checkDnsLabel(vpath, `${fieldPrefix}name`, deploymentName);
      const image = imageFor(`${fieldPrefix}tag`, v.name, v.props?.tag);
      const vReplicas = checkInteger(vpath, `${fieldPrefix}replicas`, v.props?.replicas ?? replicas, 0);

      // version-only env: names must not repeat the service's
      const versionEnv = new Map<string, EnvValue>();
      for (const [name, value] of Object.entries(v.props?.env ?? {})) {
        checkEnvVarName(vpath, `${fieldPrefix}env.${name}`, name);
        if (this.env.has(name)) {
          throw new ConfigError(vpath, `${fieldPrefix}env.${name}`, name, 'is already set in the service\'s env: each environment variable is defined once');
        }
        versionEnv.set(name, typeof value === 'string' ? EnvValue.fromValue(value) : value);
      }

      const config = { ...(props.config ?? {}), ...(v.props?.config ?? {}) };
      let configMapName: string | undefined;
      if (Object.keys(config).length > 0) {
        for (const key of Object.keys(config)) checkEnvVarName(vpath, `${fieldPrefix}config.${key}`, key);
        configMapName = `${this.name}-config${v.name ? `-${v.name}` : ''}-${contentHash(config)}`;
        new ManifestObject(this, `Config${v.name ? `-${v.name}` : ''}`, {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: configMapName, labels: { ...selector, ...partOf } },
          data: Object.fromEntries(Object.keys(config).sort().map(k => [k, config[k]])),
          immutable: true,
        });
      }

      const podLabels = { ...selector, ...partOf };
      const annotations = metrics ? {
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': String(metrics.port),
        'prometheus.io/path': metrics.path,
      } : undefined;

      const container: Record<string, any> = {
        name: this.name,
        image: Lazy.any({ produce: () => image.ref }),
        imagePullPolicy: 'IfNotPresent',
        command: props.command ? [...props.command] : undefined,
        args: props.args ? [...props.args] : undefined,
        ports: [{ name: this.portName, containerPort: this.containerPort, protocol: 'TCP' }],
        env: Lazy.any({
          produce: () => {
            const all = [...this.env.entries(), ...versionEnv.entries()].map(([n, val]) => val.toJson(n));
            return all.length > 0 ? all : undefined;
          },
        }),
        envFrom: configMapName ? [{ configMapRef: { name: configMapName } }] : undefined,
        resources: resources.toJson(),
        ...probes,
        securityContext: containerSecurityContext(uid, gid),
        volumeMounts: mounts,
      };

      // Its env list is rendered lazily, so addEnv() works after construction.
      new ManifestObject(this, v.name ? `Deployment-${v.name}` : 'Deployment', {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: deploymentName, labels: podLabels },
        spec: {
          replicas: props.autoscaling ? undefined : vReplicas,
          revisionHistoryLimit: 5,
          selector: { matchLabels: selector },
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
          template: {
            metadata: { labels: podLabels, annotations },
            spec: {
              serviceAccountName: this.serviceAccountName,
              automountServiceAccountToken: false,
              securityContext: podSecurityContext(uid, gid),
              containers: [container],
              volumes,
              topologySpreadConstraints: (props.topologySpread ?? true) ? [{
                maxSkew: 1,
                topologyKey: 'kubernetes.io/hostname',
                whenUnsatisfiable: 'ScheduleAnyway',
                labelSelector: { matchLabels: selector },
              }] : undefined,
            },
          },
        },
      });

      if (props.autoscaling) {
        const a = props.autoscaling;
        const min = checkInteger(path, 'autoscaling.minReplicas', a.minReplicas ?? 1, 1);
        const max = checkInteger(path, 'autoscaling.maxReplicas', a.maxReplicas, 1);
        if (max < min) throw new ConfigError(path, 'autoscaling.maxReplicas', max, `must be >= autoscaling.minReplicas (${min})`);
        new ManifestObject(this, v.name ? `Autoscaler-${v.name}` : 'Autoscaler', {
          apiVersion: 'autoscaling/v2',
          kind: 'HorizontalPodAutoscaler',
          metadata: { name: deploymentName, labels: podLabels },
          spec: {
            scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: deploymentName },
            minReplicas: min,
            maxReplicas: max,
            metrics: [{
              type: 'Resource',
              resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: checkInteger(path, 'autoscaling.cpuUtilization', a.cpuUtilization ?? 75, 1, 1000) } },
            }],
          },
        });
      }
      this._versions.push({ name: v.name ?? '', image, deploymentName });
    }

    this.service = new ManifestObject(this, 'Service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: this.name, labels: { ...common, ...partOf } },
      spec: {
        selector: { ...common },
        ports: [{
          name: this.portName,
          port: this.port,
          targetPort: this.portName,
          protocol: 'TCP',
        }],
      },
    });

    if (props.disruptionBudget) {
      const b = props.disruptionBudget;
      if (b.minAvailable !== undefined && b.maxUnavailable !== undefined) {
        throw new ConfigError(path, 'disruptionBudget', b, 'must set minAvailable or maxUnavailable, not both');
      }
      const intOrPercent = (field: string, x: number | string) => {
        if (typeof x === 'number') return checkInteger(path, field, x, 0);
        if (!/^(100|[1-9]?[0-9])%$/.test(x)) throw new ConfigError(path, field, x, 'must be an integer or a percentage such as "50%"');
        return x;
      };
      new ManifestObject(this, 'DisruptionBudget', {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name: this.name, labels: { ...common, ...partOf } },
        spec: {
          selector: { matchLabels: { ...common } },
          minAvailable: b.minAvailable !== undefined ? intOrPercent('disruptionBudget.minAvailable', b.minAvailable) : undefined,
          maxUnavailable: b.minAvailable === undefined ? intOrPercent('disruptionBudget.maxUnavailable', b.maxUnavailable ?? 1) : undefined,
        },
      });
    }

    if (props.networkPolicy) {
      const np = props.networkPolicy;
      const from: any[] = (np.allowFrom ?? []).map(s => ({ podSelector: { matchLabels: { [APP_LABEL]: s.name } } }));
      if (np.allowIngressGateway ?? true) {
        from.push({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': environment.gatewayNamespace } } });
      }
      new ManifestObject(this, 'NetworkPolicy', {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: this.name, labels: { ...common, ...partOf } },
        spec: {
          podSelector: { matchLabels: { ...common } },
          policyTypes: ['Ingress'],
          ingress: from.length > 0 ? [{ from, ports: [{ port: this.containerPort, protocol: 'TCP' }] }] : undefined,
        },
      });
    }
  }

  /** The versions (a copy). A service without versions has one entry with an empty name. */
  public get versions(): WebServiceVersion[] {
    return this._versions.map(v => ({ name: v.name, image: v.image.ref, deploymentName: v.deploymentName }));
  }

  /** Version names (empty for a service without versions). */
  public get versionNames(): string[] {
    return this.versioned ? this._versions.map(v => v.name) : [];
  }

  /** Labels selecting every pod of the service (a copy). */
  public get selectorLabels(): Record<string, string> {
    return { [APP_LABEL]: this.name };
  }

  /** Istio principal of the service's ServiceAccount. */
  public get principal(): string {
    return this.chart.principalOf(this.serviceAccountName);
  }

  /** Add an environment variable to every version; a name already set is an error. */
  public addEnv(name: string, value: string | EnvValue): void {
    this.addEnvAt(this.node.path, `addEnv(${JSON.stringify(name)})`, name, value);
  }

  private addEnvAt(path: string, field: string, name: string, value: string | EnvValue): void {
    checkEnvVarName(path, field, name);
    if (this.env.has(name)) {
      throw new ConfigError(path, field, name, 'is already set: each environment variable is defined once');
    }
    this.env.set(name, typeof value === 'string' ? EnvValue.fromValue(value) : value);
  }
}
