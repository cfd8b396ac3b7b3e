import { Manifest } from '../../src/core/manifest';
import { formatText, RULES, validateManifests, waiverAnnotation } from '../../src/validate';
import { backendMetrics, goodPlatform, manifest, obj } from './fixtures';

type Breakage = [description: string, rule: string, breakIt: (ms: Manifest[]) => Manifest[] | void];

const dep = (ms: Manifest[], name = 'backend-v1') => obj(ms, 'Deployment', name);
const pod = (ms: Manifest[], name = 'backend-v1') => dep(ms, name).spec.template.spec;
const ctr = (ms: Manifest[], name = 'backend-v1') => pod(ms, name).containers[0];
const sm = (ms: Manifest[]) => obj(ms, 'ServiceMonitor', 'backend');

/** A change to the platform with the backend's ServiceMonitor (and its metrics Service) added. */
const withMetrics = (change: (ms: Manifest[]) => Manifest[] | void) => (ms: Manifest[]): Manifest[] => {
  const all = [...ms, ...backendMetrics()];
  return change(all) ?? all;
};
const ISTIO_TLS = { scheme: 'https', tlsConfig: { caFile: '/etc/prom-certs/root-cert.pem', certFile: '/etc/prom-certs/cert-chain.pem', keyFile: '/etc/prom-certs/key.pem', insecureSkipVerify: true } };

/** Point the backend's ServiceMonitor at the app's own port (5000) through the backend Service, scraping /metrics. */
function scrapeAppPort(ms: Manifest[], endpoint: Record<string, any> = {}): void {
  sm(ms).spec.selector.matchLabels = { app: 'backend' };
  obj(ms, 'Service', 'backend-metrics').metadata.labels = { app: 'backend-metrics' };
  sm(ms).spec.endpoints = [{ port: 'http-web', path: '/metrics', interval: '30s', ...endpoint }];
}

/** An ALLOW policy admitting GET /metrics on the backend's port 5000, from `principals` (none: from anyone). */
function allowMetrics(principals?: string[]): Manifest {
  return {
    path: 'dev/ab-testing/authorizationpolicy-prometheus.yaml',
    object: {
      apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'prometheus-to-backend', namespace: 'demo-dev' },
      spec: {
        selector: { matchLabels: { app: 'backend' } },
        action: 'ALLOW',
        rules: [{ ...(principals ? { from: [{ source: { principals } }] } : {}), to: [{ operation: { methods: ['GET'], paths: ['/metrics'], ports: ['5000'] } }] }],
      },
    },
  };
}

function peer(name: string, spec: Record<string, any>): Manifest {
  return { path: `dev/ab-testing/peerauthentication-${name}.yaml`, object: { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name, namespace: 'demo-dev' }, spec } };
}

/** A ConfigMap nothing refers to, in dev/ab-testing (namespace demo-dev unless `metadata` says otherwise). */
function configMap(metadata: Record<string, any>): Manifest {
  return { path: 'dev/ab-testing/configmap-extra.yaml', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'demo-dev', ...metadata }, data: { a: 'b' } } };
}

/** Every rule, broken in exactly one way in an otherwise valid platform. */
const BREAKAGES: Breakage[] = [
  // Schema
  ['a kind with no known schema', 'SCHEMA-UNKNOWN-KIND', ms => [...ms, { path: 'dev/ab-testing/widget-w.yaml', object: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'demo-dev' } } }]],
  ['a Kubernetes kind 1.33 (the default) does not serve', 'SCHEMA-UNKNOWN-KIND', ms => [...ms, { path: 'dev/ab-testing/x.yaml', object: { apiVersion: 'resource.k8s.io/v1', kind: 'DeviceClass', metadata: { name: 'x' }, spec: {} } }]],
  ['replicas is a string', 'SCHEMA-INVALID', ms => { dep(ms).spec.replicas = 'two'; }],
  ['an enum value Kubernetes does not know', 'SCHEMA-INVALID', ms => { obj(ms, 'Service', 'backend').spec.ports[0].protocol = 'HTTP'; }],
  ['a malformed quantity', 'SCHEMA-INVALID', ms => { ctr(ms).resources.limits.cpu = 'lots'; }],
  ['a wrong Istio enum', 'SCHEMA-INVALID', ms => { obj(ms, 'PeerAuthentication', 'mtls').spec.mtls.mode = 'STRICTEST'; }],
  ['a wrong Argo CD type', 'SCHEMA-INVALID', ms => { obj(ms, 'Application', 'ab-testing-dev').spec.syncPolicy.automated.prune = 'yes'; }],
  ['an object name with upper case and "_"', 'SCHEMA-NAME', ms => [...ms, configMap({ name: 'Bad_Name' })]],
  ['an object name with a space', 'SCHEMA-NAME', ms => [...ms, configMap({ name: 'my config' })]],
  ['an object name "../.."', 'SCHEMA-NAME', ms => [...ms, configMap({ name: '../..' })]],
  ['an object name of 300 characters', 'SCHEMA-NAME', ms => [...ms, configMap({ name: 'a'.repeat(300) })]],
  ['a namespace "Bad NS"', 'SCHEMA-NAME', ms => [...ms, configMap({ name: 'settings', namespace: 'Bad NS' })]],
  ['a Service name starting with a digit (DNS-1035)', 'SCHEMA-NAME', ms => {
    const copy = structuredClone(obj(ms, 'Service', 'redis'));
    copy.metadata.name = '1redis';
    return [...ms, { path: 'dev/ab-testing/service-1redis.yaml', object: copy }];
  }],
  ['a label key with two "/"', 'SCHEMA-LABEL', ms => [...ms, configMap({ name: 'settings', labels: { 'x/y/z': 'a' } })]],
  ['a label value with a space', 'SCHEMA-LABEL', ms => [...ms, configMap({ name: 'settings', labels: { team: 'a b' } })]],
  ['a pod template label value of 64 characters', 'SCHEMA-LABEL', ms => { dep(ms).spec.template.metadata.labels.build = 'b'.repeat(64); }],
  ['an annotation key with an upper-case prefix', 'SCHEMA-LABEL', ms => [...ms, configMap({ name: 'settings', annotations: { 'Example.com/owner': 'me' } })]],
  ['a misspelt container field', 'SCHEMA-UNKNOWN-FIELD', ms => { ctr(ms).imagePulPolicy = 'Always'; }],
  ['a field of a later Kubernetes than the default 1.33 (hostnameOverride, 1.34)', 'SCHEMA-UNKNOWN-FIELD', ms => { pod(ms).hostnameOverride = 'web-0'; }],
  ['a misspelt VirtualService field', 'SCHEMA-UNKNOWN-FIELD', ms => { obj(ms, 'VirtualService', 'backend').spec.http[2].timeOut = '5s'; }],
  ['a misspelt DestinationRule subset field', 'SCHEMA-UNKNOWN-FIELD', ms => { obj(ms, 'DestinationRule', 'backend').spec.subsets[0].label = { version: 'v1' }; }],
  ['a misspelt Application field', 'SCHEMA-UNKNOWN-FIELD', ms => { obj(ms, 'Application', 'ab-testing-dev').spec.syncPolicy.automated.selfheal = true; }],
  ['a misspelt AppProject field', 'SCHEMA-UNKNOWN-FIELD', ms => { obj(ms, 'AppProject', 'ab-testing').spec.sourceRepo = ['x']; }],
  ['a misspelt top-level field', 'SCHEMA-UNKNOWN-FIELD', ms => { obj(ms, 'ConfigMap', 'backend-config').datas = { a: 'b' }; }],

  // Workload cross-references
  ['Deployment selector does not match its template', 'XREF-WORKLOAD-SELECTOR', ms => { dep(ms).spec.selector.matchLabels.version = 'v9'; }],
  ['Service selector matches no pod', 'XREF-SERVICE-SELECTOR', ms => { obj(ms, 'Service', 'frontend').spec.selector = { app: 'frontnd' }; }],
  ['named targetPort not on the containers', 'XREF-SERVICE-TARGETPORT', ms => { obj(ms, 'Service', 'backend').spec.ports[0].targetPort = 'web'; }],
  ['missing ServiceAccount', 'XREF-SERVICEACCOUNT', ms => { pod(ms, 'frontend').serviceAccountName = 'frontend'; }],
  ['missing ConfigMap key', 'XREF-CONFIGMAP', ms => { ctr(ms).env[1].valueFrom.configMapKeyRef.key = 'MODE'; }],
  ['missing ConfigMap volume', 'XREF-CONFIGMAP', ms => { pod(ms).volumes[1].configMap.name = 'backend-cfg'; }],
  ['missing Secret', 'XREF-SECRET', ms => { ctr(ms).env[2].valueFrom.secretKeyRef.name = 'backend-secrets'; }],
  ['a key the ExternalSecret does not produce', 'XREF-SECRET', ms => { ctr(ms).env[2].valueFrom.secretKeyRef.key = 'API_KEY'; }],
  ['envFrom a Secret no ExternalSecret writes', 'XREF-SECRET', ms => { ctr(ms).envFrom = [{ secretRef: { name: 'backend-creds' } }]; }],
  ['an ExternalSecret with creationPolicy None', 'XREF-SECRET', ms => { obj(ms, 'ExternalSecret', 'backend-secret').spec.target.creationPolicy = 'None'; }],
  ['an ExternalSecret targeting another name', 'XREF-SECRET', ms => { obj(ms, 'ExternalSecret', 'backend-secret').spec.target.name = 'backend-secret-v2'; }],

  // Metrics cross-references
  ['ServiceMonitor selects no Service', 'XREF-SERVICEMONITOR-TARGET', withMetrics(ms => { sm(ms).spec.selector.matchLabels.app = 'backnd'; })],
  ['ServiceMonitor names a port the Service lacks', 'XREF-SERVICEMONITOR-TARGET', withMetrics(ms => { sm(ms).spec.endpoints[0].port = 'metrics'; })],
  ['merged metrics of pods without the prometheus.io annotations', 'XREF-SERVICEMONITOR-TARGET', withMetrics(ms => {
    delete dep(ms, 'backend-v2').spec.template.metadata.annotations;
  })],
  ['merged metrics turned off on the pods', 'XREF-SERVICEMONITOR-TARGET', withMetrics(ms => { dep(ms).spec.template.metadata.annotations['prometheus.istio.io/merge-metrics'] = 'false'; })],
  ['merged metrics of a namespace without sidecar injection', 'XREF-SERVICEMONITOR-TARGET', withMetrics(ms => { delete obj(ms, 'Namespace', 'demo-dev').metadata.labels; })],
  ['merged metrics over https', 'XREF-SERVICEMONITOR-TARGET', withMetrics(ms => { sm(ms).spec.endpoints[0].scheme = 'https'; })],
  ['plain-text scrape of the app port under namespace STRICT (authorization allows it)', 'XREF-SERVICEMONITOR-MTLS', withMetrics(ms => {
    scrapeAppPort(ms);
    return [...ms, allowMetrics()];
  })],
  ['plain-text scrape where a workload-selected policy is STRICT over a PERMISSIVE namespace', 'XREF-SERVICEMONITOR-MTLS', withMetrics(ms => {
    scrapeAppPort(ms);
    obj(ms, 'PeerAuthentication', 'mtls').spec.mtls.mode = 'PERMISSIVE';
    return [...ms, peer('backend-strict', { selector: { matchLabels: { app: 'backend' } }, mtls: { mode: 'PERMISSIVE' }, portLevelMtls: { 5000: { mode: 'STRICT' } } }), allowMetrics()];
  })],
  ['Istio certificates with server verification', 'XREF-SERVICEMONITOR-MTLS', withMetrics(ms => {
    scrapeAppPort(ms, { scheme: 'https', tlsConfig: { caFile: '/etc/prom-certs/root-cert.pem', certFile: '/etc/prom-certs/cert-chain.pem', keyFile: '/etc/prom-certs/key.pem' } });
    return [...ms, allowMetrics(['cluster.local/ns/monitoring/sa/prometheus'])];
  })],
  ['Istio certificates, but default-deny admits no scrape', 'XREF-SERVICEMONITOR-AUTHZ', withMetrics(ms => { scrapeAppPort(ms, ISTIO_TLS); })],
  ['a port-level PERMISSIVE exception, but the allow rule needs an identity', 'XREF-SERVICEMONITOR-AUTHZ', withMetrics(ms => {
    scrapeAppPort(ms);
    return [...ms, peer('backend-metrics', { selector: { matchLabels: { app: 'backend' } }, portLevelMtls: { 5000: { mode: 'PERMISSIVE' } } }), allowMetrics(['cluster.local/ns/monitoring/sa/prometheus'])];
  })],

  // Istio cross-references
  ['DestinationRule host is no Service', 'XREF-DR-HOST', ms => { obj(ms, 'DestinationRule', 'redis').spec.host = 'redis.demo.svc.cluster.local'; }],
  ['subset selects no pod template', 'XREF-DR-SUBSET', ms => { obj(ms, 'DestinationRule', 'backend').spec.subsets[1].labels.version = 'v3'; }],
  ['VirtualService destination host is no Service', 'XREF-VS-HOST', ms => { obj(ms, 'VirtualService', 'frontend').spec.http[1].route[0].destination.host = 'frontend.demo.svc.cluster.local'; }],
  ['destination port not on the Service', 'XREF-VS-PORT', ms => { obj(ms, 'VirtualService', 'frontend').spec.http[0].route[0].destination.port.number = 5000; }],
  ['no destination port though the Service has two', 'XREF-VS-PORT', ms => {
    obj(ms, 'Service', 'frontend').spec.ports.push({ name: 'http-admin', port: 8080, targetPort: 'http' });
  }],
  ['subset not defined', 'XREF-VS-SUBSET', ms => { obj(ms, 'VirtualService', 'backend').spec.http[0].route[0].destination.subset = 'v3'; }],
  ['a mirror to a host that is no Service', 'XREF-VS-HOST', ms => { obj(ms, 'VirtualService', 'backend').spec.http[0].mirror = { host: 'shadow' }; }],
  ['a mirror to a subset not defined', 'XREF-VS-SUBSET', ms => { obj(ms, 'VirtualService', 'backend').spec.http[0].mirror = { host: 'backend', subset: 'v3' }; }],
  ['one of mirrors to a port the Service lacks', 'XREF-VS-PORT', ms => { obj(ms, 'VirtualService', 'backend').spec.http[0].mirrors = [{ destination: { host: 'backend', subset: 'v2' } }, { destination: { host: 'backend', port: { number: 9999 } } }]; }],
  ['Gateway does not exist', 'XREF-VS-GATEWAY', ms => { obj(ms, 'VirtualService', 'frontend').spec.gateways = ['istio-system/demo-gateway']; }],
  ['VirtualService host outside the Gateway hosts', 'XREF-VS-GATEWAY-HOST', ms => { obj(ms, 'VirtualService', 'frontend').spec.hosts = ['demo.example.com']; }],
  ['weights sum to 110', 'XREF-VS-WEIGHTS', ms => { obj(ms, 'VirtualService', 'backend').spec.http[2].route[1].weight = 20; }],
  ['a single weighted destination below 100', 'XREF-VS-WEIGHTS', ms => { obj(ms, 'VirtualService', 'backend').spec.http[0].route[0].weight = 50; }],
  ['a canary at weight 0 without the header and cookie routes that reach it', 'XREF-VS-CANARY', ms => {
    const http = obj(ms, 'VirtualService', 'backend').spec.http;
    http.splice(0, 2);
    http[0].route[0].weight = 100;
    http[0].route[1].weight = 0;
  }],
  ['a canary at weight 0 whose header route sends it no traffic', 'XREF-VS-CANARY', ms => {
    const http = obj(ms, 'VirtualService', 'backend').spec.http;
    http[0].route[0].destination.subset = 'v1';
    http[1].route[0].destination.subset = 'v1';
    http[2].route[0].weight = 100;
    http[2].route[1].weight = 0;
  }],
  ['a rule after the catch-all', 'XREF-VS-UNREACHABLE', ms => { obj(ms, 'VirtualService', 'backend').spec.http.reverse(); }],
  ['a rule after a prefix "/" rule', 'XREF-VS-UNREACHABLE', ms => {
    const http = obj(ms, 'VirtualService', 'frontend').spec.http;
    http[0].match = [{ uri: { prefix: '/' } }];
  }],
  ['a duplicated match', 'XREF-VS-DUPLICATE', ms => {
    const http = obj(ms, 'VirtualService', 'backend').spec.http;
    http.splice(2, 0, { ...structuredClone(http[0]), name: 'again' });
  }],
  ['seed 001: the smoke test principal names namespace demo, deployed to demo-dev', 'XREF-AUTHZ-PRINCIPAL', ms => {
    obj(ms, 'AuthorizationPolicy', 'smoke-test-to-backend').spec.rules[0].from[0].source.principals = ['cluster.local/ns/demo/sa/smoke-test-sa'];
  }],

  // Argo CD cross-references
  ['Application path holds no manifests', 'XREF-APP-PATH', ms => { obj(ms, 'Application', 'ab-testing-dev').spec.source.path = 'dev/abtesting'; }],
  ['Application destination not allowed by its AppProject', 'XREF-APP-DESTINATION', ms => { obj(ms, 'AppProject', 'ab-testing').spec.destinations[0].namespace = 'demo-prod'; }],
  ['Application project does not exist', 'XREF-APP-DESTINATION', ms => { obj(ms, 'Application', 'ab-testing-dev').spec.project = 'demo'; }],
  ['Application repository not permitted by its AppProject', 'XREF-APP-SOURCE', ms => { obj(ms, 'Application', 'ab-testing-dev').spec.source.repoURL = 'https://github.com/someone-else/gitops.git'; }],

  // Pod Security Standards
  ['hostNetwork', 'PSS-HOST-NAMESPACES', ms => { pod(ms).hostNetwork = true; }],
  ['hostPID', 'PSS-HOST-NAMESPACES', ms => { pod(ms).hostPID = true; }],
  ['Windows hostProcess', 'PSS-HOST-PROCESS', ms => { ctr(ms).securityContext.windowsOptions = { hostProcess: true }; }],
  ['privileged', 'PSS-PRIVILEGED', ms => { ctr(ms).securityContext.privileged = true; }],
  ['capabilities not dropped', 'PSS-CAPABILITIES', ms => { ctr(ms).securityContext.capabilities.drop = ['NET_RAW']; }],
  ['capability added', 'PSS-CAPABILITIES', ms => { ctr(ms).securityContext.capabilities.add = ['NET_ADMIN']; }],
  ['hostPath volume', 'PSS-VOLUME-TYPES', ms => { pod(ms).volumes.push({ name: 'docker', hostPath: { path: '/var/run/docker.sock' } }); }],
  ['hostPort', 'PSS-HOST-PORT', ms => { ctr(ms).ports[0].hostPort = 5000; }],
  ['AppArmor unconfined', 'PSS-APPARMOR', ms => { dep(ms).spec.template.metadata.annotations['container.apparmor.security.beta.kubernetes.io/backend'] = 'unconfined'; }],
  ['SELinux type', 'PSS-SELINUX', ms => { ctr(ms).securityContext.seLinuxOptions = { type: 'spc_t' }; }],
  ['SELinux user', 'PSS-SELINUX', ms => { pod(ms).securityContext.seLinuxOptions = { user: 'system_u' }; }],
  ['Unmasked /proc', 'PSS-PROC-MOUNT', ms => { ctr(ms).securityContext.procMount = 'Unmasked'; }],
  ['seccomp Unconfined', 'PSS-SECCOMP', ms => { ctr(ms).securityContext.seccompProfile.type = 'Unconfined'; }],
  ['no seccomp profile anywhere', 'PSS-SECCOMP', ms => { delete pod(ms, 'frontend').securityContext.seccompProfile; delete ctr(ms, 'frontend').securityContext.seccompProfile; }],
  ['unsafe sysctl', 'PSS-SYSCTLS', ms => { pod(ms).securityContext.sysctls = [{ name: 'kernel.msgmax', value: '65536' }]; }],
  ['init container may escalate privileges', 'PSS-PRIVILEGE-ESCALATION', ms => { delete pod(ms).initContainers[0].securityContext.allowPrivilegeEscalation; }],
  ['runAsNonRoot false', 'PSS-RUN-AS-NON-ROOT', ms => { pod(ms).securityContext.runAsNonRoot = false; delete ctr(ms).securityContext.runAsNonRoot; }],
  ['runAsNonRoot nowhere (Job)', 'PSS-RUN-AS-NON-ROOT', ms => {
    const spec = obj(ms, 'Job', 'smoke-test').spec.template.spec;
    delete spec.securityContext.runAsNonRoot;
    delete spec.containers[0].securityContext.runAsNonRoot;
  }],
  ['runAsUser 0', 'PSS-RUN-AS-USER', ms => { pod(ms).initContainers[0].securityContext.runAsUser = 0; }],

  // Policy
  ['no readiness probe', 'POL-PROBES', ms => { delete ctr(ms).readinessProbe; }],
  ['identical liveness and readiness', 'POL-PROBES-IDENTICAL', ms => { ctr(ms).readinessProbe = structuredClone(ctr(ms).livenessProbe); }],
  ['no memory limit', 'POL-RESOURCES', ms => { delete ctr(ms).resources.limits.memory; }],
  ['init container without cpu request', 'POL-RESOURCES', ms => { delete pod(ms).initContainers[0].resources.requests.cpu; }],
  ['image latest', 'POL-IMAGE-TAG', ms => { ctr(ms).image = 'ghcr.io/example/backend:latest'; }],
  ['image without tag (registry with port)', 'POL-IMAGE-TAG', ms => { ctr(ms).image = 'registry.local:5000/example/backend'; }],
  ['UID 1337 (Istio proxy)', 'POL-RUN-AS-IDS', ms => { ctr(ms).securityContext.runAsUser = 1337; }],
  ['GID below 10000', 'POL-RUN-AS-IDS', ms => { pod(ms).securityContext.runAsGroup = 1000; }],
  ['no UID anywhere', 'POL-RUN-AS-IDS', ms => { delete pod(ms).securityContext.runAsUser; }],
  ['token mounted', 'POL-AUTOMOUNT-TOKEN', ms => { pod(ms).automountServiceAccountToken = true; }],
  ['token mounted through the ServiceAccount default', 'POL-AUTOMOUNT-TOKEN', ms => {
    delete pod(ms, 'frontend').automountServiceAccountToken;
    delete obj(ms, 'ServiceAccount', 'frontend-sa').automountServiceAccountToken;
  }],
  ['Service port name without protocol', 'POL-SERVICE-PORT-NAME', ms => { obj(ms, 'Service', 'backend').spec.ports[0].name = 'web'; }],
  ['AppProject sourceRepos "*"', 'POL-APPPROJECT-WILDCARD', ms => { obj(ms, 'AppProject', 'ab-testing').spec.sourceRepos = ['*']; }],
  ['AppProject destination server "*"', 'POL-APPPROJECT-WILDCARD', ms => { obj(ms, 'AppProject', 'ab-testing').spec.destinations[0].server = '*'; }],
  ['AppProject cluster-wide "*" whitelist', 'POL-APPPROJECT-CLUSTER-WILDCARD', ms => { obj(ms, 'AppProject', 'ab-testing').spec.clusterResourceWhitelist = [{ group: '*', kind: '*' }]; }],
  ['"*" Gateway host in prod (path)', 'POL-GATEWAY-WILDCARD-PROD', ms => {
    const m = manifest(ms, 'Gateway', 'demo-gateway');
    m.object.spec.servers[0].hosts = ['*'];
    return ms.map(x => (x === m ? { path: 'prod/ab-testing/gateway-demo-gateway.yaml', object: m.object } : x));
  }],
  ['literal password in env', 'POL-SECRET-ENV-LITERAL', ms => { ctr(ms).env.push({ name: 'DB_PASSWORD', value: 'hunter2' }); }],
  ['literal token in an init container env', 'POL-SECRET-ENV-LITERAL', ms => { pod(ms).initContainers[0].env = [{ name: 'github_token', value: 'ghp_x' }]; }],
  ['a password from a ConfigMap', 'POL-SECRET-ENV-LITERAL', ms => {
    obj(ms, 'ConfigMap', 'backend-config').data.DB_PASSWORD = 'hunter2';
    ctr(ms).env.push({ name: 'DB_PASSWORD', valueFrom: { configMapKeyRef: { name: 'backend-config', key: 'DB_PASSWORD' } } });
  }],
  ['a literal API key', 'POL-SECRET-ENV-LITERAL', ms => { ctr(ms).env.push({ name: 'STRIPE_API_KEY', value: 'sk_live_x' }); }],
  ['a Secret with data in the output', 'POL-SECRET-DATA', ms => [...ms, { path: 'dev/ab-testing/secret-x.yaml', object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x', namespace: 'demo-dev' }, data: { API_TOKEN: 'c2VjcmV0' } } }]],
  ['a Secret with stringData in the output', 'POL-SECRET-DATA', ms => [...ms, { path: 'dev/ab-testing/secret-y.yaml', object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'y', namespace: 'demo-dev' }, stringData: { password: 'hunter2' } } }]],

  // Waivers
  ['waiver without a reason', 'WAIVER-INVALID', ms => { dep(ms).metadata.annotations = { [waiverAnnotation('POL-PROBES')]: ' ' }; }],
  ['waiver of an unknown rule', 'WAIVER-INVALID', ms => { dep(ms).metadata.annotations = { 'cdk8s-gitops.io/waive.PSS-PRIVILEGD': 'typo' }; }],
];

describe('validate rules', () => {
  test('the known-good platform has 0 findings', () => {
    const report = validateManifests(goodPlatform());
    expect(formatText(report)).toBe('OK: 0 findings, 0 waived, in 28 objects (29 files)\n');
    expect(report.ok).toBe(true);
  });

  test.each(BREAKAGES)('%s fires %s, and nothing else', (_description, rule, breakIt) => {
    const ms = goodPlatform();
    const broken = breakIt(ms) ?? ms;
    const report = validateManifests(broken);
    expect(report.findings.length).toBeGreaterThan(0);
    expect([...new Set(report.findings.map(f => f.rule))]).toEqual([rule]);
    for (const f of report.findings) {
      expect(f.message).not.toBe('');
      expect(f.file).toMatch(/\.yaml$/);
    }
    expect(report.ok).toBe(false);
  });

  // setups that scrape through STRICT mTLS and a default-deny: none is flagged
  const GOOD_SCRAPES: [string, (ms: Manifest[]) => Manifest[] | void][] = [
    ['Istio certificates and an allow rule for Prometheus\'s principal', withMetrics(ms => {
      scrapeAppPort(ms, ISTIO_TLS);
      return [...ms, allowMetrics(['cluster.local/ns/monitoring/sa/prometheus'])];
    })],
    ['a port-level PERMISSIVE exception and an allow rule without identity', withMetrics(ms => {
      scrapeAppPort(ms);
      return [...ms, peer('backend-metrics', { selector: { matchLabels: { app: 'backend' } }, portLevelMtls: { 5000: { mode: 'PERMISSIVE' } } }), allowMetrics()];
    })],
    ['pods without a sidecar', withMetrics(ms => {
      scrapeAppPort(ms);
      for (const d of ['backend-v1', 'backend-v2']) dep(ms, d).spec.template.metadata.labels['sidecar.istio.io/inject'] = 'false';
    })],
    ['a port excluded from interception', withMetrics(ms => {
      scrapeAppPort(ms);
      for (const d of ['backend-v1', 'backend-v2']) dep(ms, d).spec.template.metadata.annotations['traffic.sidecar.istio.io/excludeInboundPorts'] = '5000';
    })],
    ['a namespace-wide PERMISSIVE mode and an allow rule without identity', withMetrics(ms => {
      scrapeAppPort(ms);
      obj(ms, 'PeerAuthentication', 'mtls').spec.mtls.mode = 'PERMISSIVE';
      return [...ms, allowMetrics()];
    })],
    ['a ServiceMonitor of another namespace that selects Services in any namespace', withMetrics(ms => {
      sm(ms).metadata.namespace = 'monitoring';
      sm(ms).spec.namespaceSelector = { any: true };
    })],
  ];
  test.each([
    ['a canary at weight 0 reached by its header and cookie routes', (ms: Manifest[]) => {
      const split = obj(ms, 'VirtualService', 'backend').spec.http[2].route;
      split[0].weight = 100;
      split[1].weight = 0;
    }],
    ['the older version at weight 0 (drained), without a route of its own', (ms: Manifest[]) => {
      const split = obj(ms, 'VirtualService', 'backend').spec.http[2].route;
      split[0].weight = 0;
      split[1].weight = 100;
    }],
  ])('a split with %s has 0 findings', (_description, change) => {
    const ms = goodPlatform();
    change(ms);
    expect(formatText(validateManifests(ms))).toMatch(/^OK: 0 findings/);
  });

  test('with the backend\'s ServiceMonitor (Istio\'s merged metrics) it has 0 findings', () => {
    expect(formatText(validateManifests([...goodPlatform(), ...backendMetrics()]))).toBe('OK: 0 findings, 0 waived, in 30 objects (31 files)\n');
  });

  test('a plain-text scrape under the mesh-wide STRICT policy of Istio\'s root namespace is flagged, naming that policy', () => {
    const ms = withMetrics(all => {
      scrapeAppPort(all);
      const meshWide: Manifest = { path: 'platform/peerauthentication-default.yaml', object: { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', namespace: 'istio-system' }, spec: { mtls: { mode: 'STRICT' } } } };
      return [...all.filter(m => m.object.kind !== 'PeerAuthentication'), meshWide, allowMetrics()];
    })(goodPlatform()) as Manifest[];
    const mtls = validateManifests(ms).findings.filter(f => f.rule === 'XREF-SERVICEMONITOR-MTLS');
    expect(mtls.map(f => f.message)).toEqual(['backend-v1', 'backend-v2'].map(d => expect.stringMatching(
      new RegExp(`^scrapes port 5000 of Deployment/${d} over plain HTTP, but STRICT mutual TLS applies to that port \\(PeerAuthentication istio-system/default\\)`))));
  });

  test.each(GOOD_SCRAPES)('scraping with %s has 0 findings', (_description, change) => {
    const ms = goodPlatform();
    const report = validateManifests(change(ms) ?? ms);
    expect(formatText(report)).toMatch(/^OK: 0 findings/);
  });

  test('every rule has at least one breakage test and a rationale', () => {
    // INPUT-UNREADABLE is about files, not objects: test/validate/unreadable-input.test.ts breaks it
    const tested = new Set([...BREAKAGES.map(b => b[1]), 'INPUT-UNREADABLE']);
    expect(RULES.map(r => r.id).filter(id => !tested.has(id))).toEqual([]);
    for (const r of RULES) expect(r.rationale.length).toBeGreaterThan(20);
    expect(new Set(RULES.map(r => r.id)).size).toBe(RULES.length);
  });
});
