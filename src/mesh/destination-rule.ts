import { Chart, Duration } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { ManifestObject } from '../core/manifest-object';
import { checkDnsLabel, checkInteger } from '../core/names';
import { placementOf } from '../model/placement';
import { hostOf, IMeshService, VERSION_LABEL } from './mesh-service';
import { formatDuration } from '../core/duration';
import type { DestinationRuleSpec } from './istio-types';

/** Connection limits and outlier detection of a DestinationRule. */
export interface TrafficPolicyProps {
  /** Max TCP connections to the service. @default 100 */
  readonly maxConnections?: number;
  /** TCP connect timeout. @default Duration.seconds(2) */
  readonly connectTimeout?: Duration;
  /** Max queued HTTP/1.1 requests. @default 100 */
  readonly http1MaxPendingRequests?: number;
  /** Max requests per connection (1 disables keep-alive). @default 20 */
  readonly maxRequestsPerConnection?: number;
  /** 5xx errors in a row that eject a pod. @default 5 */
  readonly consecutive5xxErrors?: number;
  /** Outlier analysis interval. @default Duration.seconds(10) */
  readonly interval?: Duration;
  /** Minimum ejection time. @default Duration.seconds(30) */
  readonly baseEjectionTime?: Duration;
  /** Max % of pods ejected. @default 25 */
  readonly maxEjectionPercent?: number;
}

/**
 * Props of a DestinationRule.
 */
export interface DestinationRuleProps {
  /** The service; one subset per version is derived from it (never typed twice). */
  readonly service: IMeshService;
  /** @default `<service>-destinationrule` */
  readonly name?: string;
  /** @default - the defaults of TrafficPolicyProps */
  readonly trafficPolicy?: TrafficPolicyProps;
}

/** The charts holding a DestinationRule of each service. */
const RULE_CHARTS = new WeakMap<IMeshService, Set<IConstruct>>();

/**
 * An Istio DestinationRule (networking.istio.io/v1) whose subsets are the service's versions.
 */
export class DestinationRule extends Construct {
  /** Whether `chart` holds a DestinationRule of `service` (constant time, for validations). */
  public static existsFor(service: IMeshService, chart: IConstruct): boolean {
    return RULE_CHARTS.get(service)?.has(chart) ?? false;
  }

  /** The service it applies to. */
  public readonly service: IMeshService;
  /** Its name. */
  public readonly name: string;

  constructor(scope: Construct, id: string, props: DestinationRuleProps) {
    super(scope, id);
    const path = this.node.path;
    this.service = props.service;
    this.name = checkDnsLabel(path, 'name', props.name ?? `${props.service.name}-destinationrule`);
    const charts = RULE_CHARTS.get(this.service) ?? new Set<IConstruct>();
    charts.add(Chart.of(this));
    RULE_CHARTS.set(this.service, charts);
    const t = props.trafficPolicy ?? {};
    const subsets = this.service.versionNames.map(v => ({ name: v, labels: { [VERSION_LABEL]: v } }));
    new ManifestObject(this, 'Resource', {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: this.name },
      spec: {
        host: hostOf(this.service, placementOf(this).namespace),
        subsets: subsets.length > 0 ? subsets : undefined,
        trafficPolicy: {
          connectionPool: {
            tcp: {
              maxConnections: checkInteger(path, 'trafficPolicy.maxConnections', t.maxConnections ?? 100, 1),
              connectTimeout: formatDuration(path, 'trafficPolicy.connectTimeout', t.connectTimeout ?? Duration.seconds(2)),
            },
            http: {
              http1MaxPendingRequests: checkInteger(path, 'trafficPolicy.http1MaxPendingRequests', t.http1MaxPendingRequests ?? 100, 1),
              maxRequestsPerConnection: checkInteger(path, 'trafficPolicy.maxRequestsPerConnection', t.maxRequestsPerConnection ?? 20, 0),
            },
          },
          outlierDetection: {
            consecutive5xxErrors: checkInteger(path, 'trafficPolicy.consecutive5xxErrors', t.consecutive5xxErrors ?? 5, 0),
            interval: formatDuration(path, 'trafficPolicy.interval', t.interval ?? Duration.seconds(10)),
            baseEjectionTime: formatDuration(path, 'trafficPolicy.baseEjectionTime', t.baseEjectionTime ?? Duration.seconds(30)),
            maxEjectionPercent: checkInteger(path, 'trafficPolicy.maxEjectionPercent', t.maxEjectionPercent ?? 25, 0, 100),
          },
        },
      } satisfies DestinationRuleSpec,
    });
  }
}
