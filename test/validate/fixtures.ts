import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { Manifest } from '../../src/core/manifest';
import { tempDir } from '../temp-dir';

/** Write manifests as YAML files into a fresh temporary folder (removed after the test file); returns it. */
export function writeTree(ms: Manifest[]): string {
  const dir = tempDir('validate');
  for (const m of ms) {
    const file = path.join(dir, ...m.path.split('/'));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, stringify(m.object));
  }
  return dir;
}

/**
 * A small, fully hardened platform (seed 001's shape): namespace demo-dev, backend v1/v2
 * behind a DestinationRule and a weighted VirtualService, a frontend behind a Gateway, redis,
 * mTLS, default-deny plus allow rules, a smoke-test Job, an AppProject and an Application;
 * the backend's secret from an ExternalSecret, its pods annotated for Istio's metrics merging
 * (`backendMetrics()` adds the ServiceMonitor that scrapes them).
 * Every call returns fresh objects, so tests can break one thing in place.
 */
export function goodPlatform(): Manifest[] {
  const ns = 'demo-dev';
  const dir = 'dev/ab-testing';
  const m = (object: Record<string, any>, folder = dir): Manifest => ({
    path: `${folder}/${object.kind.toLowerCase()}-${object.metadata.name}.yaml`,
    object,
  });
  return [
    m({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'istio-injection': 'enabled' } } }),
    m(serviceAccount('backend-sa', ns)),
    m(serviceAccount('frontend-sa', ns)),
    m(serviceAccount('redis-sa', ns)),
    m(serviceAccount('smoke-test-sa', ns)),
    m({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'backend-config', namespace: ns }, data: { APP_MODE: 'ab-testing' } }),
    m({
      apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'backend-secret', namespace: ns },
      spec: {
        refreshInterval: '1h',
        secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault' },
        target: { name: 'backend-secret', creationPolicy: 'Owner' },
        data: [{ secretKey: 'API_TOKEN', remoteRef: { key: 'demo/backend', property: 'api-token' } }],
      },
    }),
    m(deployment('backend', 'v1', ns, { init: true })),
    m(deployment('backend', 'v2', ns)),
    m(deployment('frontend', undefined, ns)),
    m(deployment('redis', undefined, ns, { port: 6379, portName: 'redis', tcp: true })),
    m(service('backend', ns, 'http-web', 80, 'http')),
    m(service('frontend', ns, 'http-web', 80, 'http')),
    m(service('redis', ns, 'tcp-redis', 6379, 'redis')),
    m({
      apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'demo-gateway', namespace: ns },
      spec: {
        selector: { istio: 'ingressgateway' },
        servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['demo-dev.example.com'] }],
      },
    }),
    m({
      apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'frontend', namespace: ns },
      spec: {
        hosts: ['demo-dev.example.com'],
        gateways: ['demo-gateway'],
        http: [
          { name: 'api', match: [{ uri: { prefix: '/api/' } }], route: [{ destination: { host: 'backend', port: { number: 80 } } }] },
          { name: 'app', route: [{ destination: { host: 'frontend.demo-dev.svc.cluster.local' } }], timeout: '10s', retries: { attempts: 3, perTryTimeout: '2s' } },
        ],
      },
    }),
    m({
      apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'backend', namespace: ns },
      spec: {
        hosts: ['backend'],
        http: [
          { name: 'v2-header', match: [{ headers: { 'x-version': { exact: 'v2' } } }], route: [{ destination: { host: 'backend', subset: 'v2' } }] },
          { name: 'v2-cookie', match: [{ headers: { cookie: { regex: '^(.*?;)?(version=v2)(;.*)?$' } } }], route: [{ destination: { host: 'backend', subset: 'v2' } }] },
          {
            name: 'split',
            route: [
              { destination: { host: 'backend', subset: 'v1' }, weight: 90 },
              { destination: { host: 'backend', subset: 'v2' }, weight: 10 },
            ],
          },
        ],
      },
    }),
    m({
      apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'backend', namespace: ns },
      spec: {
        host: 'backend',
        trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } },
        subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }],
      },
    }),
    m({
      apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'redis', namespace: ns },
      spec: { host: 'redis.demo-dev.svc.cluster.local', trafficPolicy: { connectionPool: { tcp: { maxConnections: 100 } } } },
    }),
    m({
      apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'mtls', namespace: ns },
      spec: { mtls: { mode: 'STRICT' } },
    }),
    m({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'deny-all', namespace: ns }, spec: {} }),
    m(allow('frontend-to-backend', ns, 'backend', [`cluster.local/ns/${ns}/sa/frontend-sa`, 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'])),
    m(allow('smoke-test-to-backend', ns, 'backend', [`cluster.local/ns/${ns}/sa/smoke-test-sa`])),
    m(allow('backend-to-redis', ns, 'redis', [`cluster.local/ns/${ns}/sa/backend-sa`])),
    m(allow('ingress-to-frontend', ns, 'frontend', ['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'])),
    m(smokeTest(ns)),
    m({
      apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', metadata: { name: 'ab-testing', namespace: 'argocd' },
      spec: {
        description: 'A/B testing platform',
        sourceRepos: ['https://github.com/example/gitops-demo.git'],
        destinations: [{ server: 'https://kubernetes.default.svc', namespace: ns }],
        clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
        namespaceResourceWhitelist: [{ group: '*', kind: '*' }],
      },
    }, 'argocd'),
    m({
      apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'ab-testing-dev', namespace: 'argocd', finalizers: ['resources-finalizer.argocd.argoproj.io'] },
      spec: {
        project: 'ab-testing',
        source: { repoURL: 'https://github.com/example/gitops-demo.git', targetRevision: 'main', path: dir },
        destination: { server: 'https://kubernetes.default.svc', namespace: ns },
        syncPolicy: {
          automated: { prune: true, selfHeal: true },
          syncOptions: ['CreateNamespace=false'],
          retry: { limit: 5, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } },
        },
      },
    }, 'argocd'),
    // The release state file synth writes: not a Kubernetes object, skipped.
    { path: 'dev/release.yaml', object: { apiVersion: 'cdk8s-gitops/v1', kind: 'Release', environment: 'dev', services: { backend: { v1: '1.0.0', v2: '1.1.0' } } } },
  ];
}

/**
 * The backend's ServiceMonitor and the Service it scrapes through: Istio's merged metrics (the
 * agent's port 15020, not intercepted by the sidecar), as `ServiceMonitor` renders them.
 */
export function backendMetrics(): Manifest[] {
  const ns = 'demo-dev';
  const m = (object: Record<string, any>): Manifest => ({ path: `dev/ab-testing/${object.kind.toLowerCase()}-${object.metadata.name}.yaml`, object });
  return [
    m({
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'backend-metrics', namespace: ns, labels: { app: 'backend', 'app.kubernetes.io/component': 'metrics' } },
      spec: { selector: { app: 'backend' }, ports: [{ name: 'http-metrics', port: 15020, targetPort: 15020, protocol: 'TCP' }] },
    }),
    m({
      apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'backend', namespace: ns, labels: { release: 'kube-prometheus-stack' } },
      spec: {
        selector: { matchLabels: { app: 'backend', 'app.kubernetes.io/component': 'metrics' } },
        endpoints: [{ port: 'http-metrics', path: '/stats/prometheus', scheme: 'http', interval: '30s' }],
      },
    }),
  ];
}

function serviceAccount(name: string, namespace: string): Record<string, any> {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace }, automountServiceAccountToken: false };
}

/** A restricted container security context. */
export function restrictedContainerSecurityContext(): Record<string, any> {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

function deployment(app: string, version: string | undefined, namespace: string, opts: { init?: boolean; port?: number; portName?: string; tcp?: boolean } = {}): Record<string, any> {
  const name = version ? `${app}-${version}` : app;
  const labels = { app, version: version ?? 'v1' };
  const port = opts.port ?? 5000;
  const portName = opts.portName ?? 'http';
  const probe = (extra: Record<string, any>) => ({
    ...(opts.tcp ? { tcpSocket: { port: portName } } : { httpGet: { path: '/healthz', port: portName } }),
    ...extra,
  });
  const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } };
  const container: Record<string, any> = {
    name: app,
    image: `ghcr.io/example/${app}:1.0.0`,
    imagePullPolicy: 'IfNotPresent',
    ports: [{ name: portName, containerPort: port, protocol: 'TCP' }],
    startupProbe: probe({ periodSeconds: 2, failureThreshold: 30 }),
    livenessProbe: probe({ periodSeconds: 10, failureThreshold: 6 }),
    readinessProbe: probe({ periodSeconds: 5, failureThreshold: 2 }),
    resources,
    securityContext: restrictedContainerSecurityContext(),
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
  };
  const volumes: any[] = [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }];
  if (app === 'backend') {
    container.env = [
      { name: 'APP_VERSION', value: version },
      { name: 'APP_MODE', valueFrom: { configMapKeyRef: { name: 'backend-config', key: 'APP_MODE' } } },
      { name: 'API_TOKEN', valueFrom: { secretKeyRef: { name: 'backend-secret', key: 'API_TOKEN' } } },
    ];
    container.volumeMounts.push({ name: 'config', mountPath: '/etc/backend', readOnly: true });
    volumes.push({ name: 'config', configMap: { name: 'backend-config' } });
  }
  const spec: Record<string, any> = {
    serviceAccountName: `${app}-sa`,
    automountServiceAccountToken: false,
    securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [container],
    volumes,
  };
  if (opts.init) {
    spec.initContainers = [{
      name: 'wait-for-redis',
      image: 'ghcr.io/example/wait-for:2.2.4',
      args: ['redis:6379'],
      resources: structuredClone(resources),
      securityContext: restrictedContainerSecurityContext(),
    }];
  }
  // the backend's app metrics, for Istio's metrics merging
  const annotations = app === 'backend' ? { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port), 'prometheus.io/path': '/metrics' } : undefined;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { ...labels } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { ...labels } },
      template: { metadata: { labels: { ...labels }, ...(annotations ? { annotations } : {}) }, spec },
    },
  };
}

function service(app: string, namespace: string, portName: string, port: number, targetPort: string): Record<string, any> {
  return {
    apiVersion: 'v1', kind: 'Service', metadata: { name: app, namespace, labels: { app } },
    spec: { selector: { app }, ports: [{ name: portName, port, targetPort, protocol: 'TCP' }] },
  };
}

function allow(name: string, namespace: string, app: string, principals: string[]): Record<string, any> {
  return {
    apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace },
    spec: { selector: { matchLabels: { app } }, action: 'ALLOW', rules: [{ from: [{ source: { principals } }] }] },
  };
}

function smokeTest(namespace: string): Record<string, any> {
  return {
    apiVersion: 'batch/v1', kind: 'Job',
    metadata: { name: 'smoke-test', namespace, annotations: { 'argocd.argoproj.io/hook': 'PostSync', 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded' } },
    spec: {
      backoffLimit: 2,
      template: {
        metadata: { labels: { app: 'smoke-test' }, annotations: { 'sidecar.istio.io/inject': 'true' } },
        spec: {
          serviceAccountName: 'smoke-test-sa',
          automountServiceAccountToken: false,
          restartPolicy: 'Never',
          securityContext: { runAsNonRoot: true, runAsUser: 10002, runAsGroup: 10002, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [{
            name: 'smoke-test',
            image: 'curlimages/curl:8.10.1',
            command: ['curl', '-fsS', `http://backend.${namespace}.svc.cluster.local/healthz`],
            resources: { requests: { cpu: '50m', memory: '32Mi' }, limits: { memory: '64Mi' } },
            securityContext: restrictedContainerSecurityContext(),
          }],
        },
      },
    },
  };
}

/** The object of `kind` named `name` in `manifests` (throws when missing). */
export function obj(manifests: Manifest[], kind: string, name: string): Record<string, any> {
  const found = manifests.find(m => m.object.kind === kind && m.object.metadata?.name === name);
  if (!found) throw new Error(`fixture has no ${kind}/${name}`);
  return found.object;
}

/** The manifest of `kind` named `name`. */
export function manifest(manifests: Manifest[], kind: string, name: string): Manifest {
  const found = manifests.find(m => m.object.kind === kind && m.object.metadata?.name === name);
  if (!found) throw new Error(`fixture has no ${kind}/${name}`);
  return found;
}
