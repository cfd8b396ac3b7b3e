// The public API of cdk8s-gitops, exported by name. Anything not listed here is internal.

// the repository: app root, environments, charts, release state, rendering and writing
export { GitOpsApp } from './app/gitops-app';
export type { GitOpsAppProps } from './app/gitops-app';
export { Environment } from './model/environment';
export type { EnvironmentProps } from './model/environment';
export { Cluster } from './model/environment';
export type { ClusterDestination, ClusterProps } from './model/environment';
export { AppChart, ISTIO_INJECTION_LABEL } from './model/app-chart';
export type { AppChartProps } from './model/app-chart';
export { RepositoryChart } from './model/repository-chart';
export type { RepositoryChartProps } from './model/repository-chart';
export { ReleaseRegistry } from './release/release-registry';
export type { ReleaseBindingOptions, ReleaseBindingValue, ReleaseSplit, ReleaseSplitOptions } from './release/release-registry';
export { parseReleaseFile, RELEASE_FILE, renderRelease, ReleaseFileError } from './release/release';
export type { ReleaseClusterState, ReleaseState } from './release/release';
export { readReleases } from './release/release-file';
export type { Manifest } from './core/manifest';
export { renderStream, synthesize } from './app/synth';
export type { ISynthesizable } from './app/synth';
export type { RenderStreamOptions, SynthOptions, SynthResult } from './app/synth';
export { writeTree } from './git/write-tree';
export type { WriteTreeOptions, WriteTreeResult } from './git/write-tree';
export { toYaml } from './core/yaml-emitter';
export { CdkGitOpsError, ConfigError, ExitCode, exitCodeOf, isCdkGitOpsError } from './core/errors';

// workloads
export { WebService, ImagePullPolicy, APP_LABEL, VERSION_LABEL, WRITABLE_SIZE_LIMIT } from './service/web-service';
export type {
  AutoscalingProps, DisruptionBudgetProps, MetricsProps, NetworkPolicyProps, WebServiceProps, WebServiceVersion,
  WebServiceVersionProps,
} from './service/web-service';
export { SmokeTest } from './service/smoke-test';
export type { SmokeTestProps } from './service/smoke-test';
export { ImageReference } from './service/image';
export { Probe } from './service/probe';
export type { ProbeOptions } from './service/probe';
export { EnvValue } from './service/env-value';
export { Resources } from './model/resources';
export type { ResourceRangeProps, ResourcesProps } from './model/resources';
export { Quantity } from './model/quantity';
export { DEFAULT_UID, ISTIO_PROXY_UID, MIN_UID } from './service/security';

// day 2: metrics (Prometheus Operator) and secrets (External Secrets Operator)
export { ServiceMonitor, METRICS_PORT_NAME } from './monitoring/service-monitor';
export type { ServiceMonitorOptions, ServiceMonitorProps } from './monitoring/service-monitor';
export { ServiceLevelObjective, burnAlertName, errorRatioRecord } from './monitoring/service-level-objective';
export type { LatencyObjective, ObjectiveSpec, ServiceLevelObjectiveProps } from './monitoring/service-level-objective';
export { SloMetrics } from './monitoring/slo-metrics';
export type { GateQueries, SloMetricsProps } from './monitoring/slo-metrics';
export { GrafanaDashboard, GRAFANA_DASHBOARD_LABEL } from './monitoring/grafana-dashboard';
export type { GrafanaDashboardProps } from './monitoring/grafana-dashboard';
export { ScrapeMechanism, ISTIO_MERGED_METRICS_PATH, ISTIO_MERGED_METRICS_PORT } from './monitoring/scrape-mechanism';
export type { IstioCertificatesProps, ScrapeEndpoint, ScrapeTlsConfig } from './monitoring/scrape-mechanism';
export { ExternalSecret, CreationPolicy } from './secrets/external-secret';
export type { ExternalSecretProps, RemoteRef } from './secrets/external-secret';
export { DataFrom } from './secrets/data-from';
export type { ExtractOptions, FindOptions } from './secrets/data-from';
export { SecretStoreRef } from './secrets/secret-store-ref';

// Istio
export { MeshService } from './mesh/mesh-service';
export type { IMeshService, MeshServiceAttributes } from './mesh/mesh-service';
export { Gateway } from './mesh/gateway';
export type { GatewayProps, GatewayTlsProps } from './mesh/gateway';
export { HttpMatch } from './mesh/http-match';
export { RouteTarget } from './mesh/route-target';
export { VirtualService } from './mesh/virtual-service';
export type { DefaultRouteProps, HttpRouteProps, RetryProps, RouteOptions, VirtualServiceProps } from './mesh/virtual-service';
export { DestinationRule } from './mesh/destination-rule';
export type { DestinationRuleProps, TrafficPolicyProps } from './mesh/destination-rule';
export { MtlsMode, PeerAuthentication } from './mesh/peer-authentication';
export type { PeerAuthenticationProps } from './mesh/peer-authentication';
export { Principal } from './mesh/principal';
export { AuthorizationPolicy, HttpMethod } from './mesh/authorization-policy';
export type { AllowRuleProps, AuthorizationPolicyProps } from './mesh/authorization-policy';

// Argo CD
export { ArgoCdChart } from './argocd/argocd-chart';
export type { ArgoCdChartProps } from './argocd/argocd-chart';
export { AppProject } from './argocd/app-project';
export type { AppProjectProps, IProjectApplicationSet } from './argocd/app-project';
export { Application, DEFAULT_SYNC_OPTIONS, RESOURCES_FINALIZER } from './argocd/application';
export type { ApplicationProps, SyncRetryProps } from './argocd/application';
export { ApplicationSet, ClusterGenerator } from './argocd/application-set';
export type { ApplicationSetProps } from './argocd/application-set';
export { AppOfApps } from './argocd/app-of-apps';
export type { AppOfAppsProps } from './argocd/app-of-apps';

// validation
export { Waivers } from './validate/waiver-scope';
export { assertValid, ManifestLoadError, validateDirectory, validateManifests, ValidationError, RULES, waiverAnnotation, WAIVER_ANNOTATION_PREFIX, DEFAULT_KUBERNETES_VERSION, KUBERNETES_VERSIONS } from './validate';
export type { Finding, Rule, RuleId, SchemaOptions, ValidateOptions, ValidationReport, WaivedFinding } from './validate';

// progressive delivery: the metrics gate
export { evaluateGate, gateSummary, DEFAULT_QUERIES, ISTIO_QUERIES } from './gate/gate';
export type { GateOptions, GateResult, GateCheck, GateCheckName, GateCheckStatus } from './gate/gate';
export type { GateSettings, GateMetrics } from './gate/gate-settings';
export { PrometheusError } from './gate/prometheus';
