import { Probe } from '../../src/service/probe';
import { EnvValue } from '../../src/service/env-value';
import { ImagePullPolicy, WebService, WebServiceProps } from '../../src/service/web-service';
import { find, objects, podSpecs, restrictedViolations, testChart } from '../util';

const base: WebServiceProps = { name: 'web', image: 'ghcr.io/org/web', tag: '1.0.0' };

function make(props: Partial<WebServiceProps> = {}, id = 'web', env = {}) {
  const t = testChart(env);
  const svc = new WebService(t.chart, id, { ...base, ...props });
  return { ...t, svc };
}

describe('WebService security defaults', () => {
  test('every pod passes Pod Security Standards "restricted" with no options set', () => {
    const { app } = make({ versions: [{ name: 'v1' }, { name: 'v2', tag: '2.0.0' }] });
    const pods = podSpecs(app);
    expect(pods).toHaveLength(2);
    for (const p of pods) expect({ owner: p.owner, violations: restrictedViolations(p.spec) }).toEqual({ owner: p.owner, violations: [] });
  });

  test('security-critical fields', () => {
    const { app } = make();
    const d = find(app, 'Deployment', 'web');
    const pod = d.spec.template.spec;
    const c = pod.containers[0];
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } });
    expect(c.securityContext).toMatchObject({
      allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] }, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(c.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '256Mi' } }]);
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect(find(app, 'ServiceAccount', 'web-sa').automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe('web-sa');
  });

  test('Flask defaults: port 5000 named http, /healthz probes, liveness differs from readiness, /metrics scraped', () => {
    const { app } = make();
    const d = find(app, 'Deployment', 'web');
    const c = d.spec.template.spec.containers[0];
    expect(c.ports).toEqual([{ name: 'http', containerPort: 5000, protocol: 'TCP' }]);
    for (const p of ['startupProbe', 'livenessProbe', 'readinessProbe']) expect(c[p].httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.livenessProbe).not.toEqual(c.readinessProbe);
    expect(d.spec.template.metadata.annotations).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '5000', 'prometheus.io/path': '/metrics' });
    const s = find(app, 'Service', 'web');
    expect(s.spec.ports).toEqual([{ name: 'http', port: 5000, targetPort: 'http', protocol: 'TCP' }]);
  });

  test('imagePullPolicy: IfNotPresent unless set (ALWAYS keeps an adopted repository\'s)', () => {
    expect(find(make().app, 'Deployment', 'web').spec.template.spec.containers[0].imagePullPolicy).toBe('IfNotPresent');
    const { app } = make({ imagePullPolicy: ImagePullPolicy.ALWAYS, versions: [{ name: 'v1' }, { name: 'v2' }] });
    for (const v of ['v1', 'v2']) expect(find(app, 'Deployment', `web-${v}`).spec.template.spec.containers[0].imagePullPolicy).toBe('Always');
  });

  test('resources are canonical and default to requests and limits', () => {
    const { app } = make({ resources: { cpu: { request: 0.25, limit: '1000m' }, memory: { request: '0.25Gi', limit: '1024Mi' } } });
    expect(find(app, 'Deployment', 'web').spec.template.spec.containers[0].resources).toEqual({
      requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' },
    });
    const d2 = make().app;
    expect(find(d2, 'Deployment', 'web').spec.template.spec.containers[0].resources).toEqual({
      requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' },
    });
  });

  test('environment resources and replicas apply unless the service sets its own', () => {
    const { app } = make({}, 'web', { replicas: 3, resources: { memory: { limit: '1Gi' } } });
    const d = find(app, 'Deployment', 'web');
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.template.spec.containers[0].resources.limits.memory).toBe('1Gi');
  });
});

describe('WebService identity', () => {
  test('one Deployment per version with explicit selectors; one Service over all versions', () => {
    const { app } = make({ versions: [{ name: 'v1' }, { name: 'v2', tag: '2.0.0' }] });
    const v1 = find(app, 'Deployment', 'web-v1');
    const v2 = find(app, 'Deployment', 'web-v2');
    expect(v1.spec.selector.matchLabels).toEqual({ app: 'web', version: 'v1' });
    expect(v2.spec.template.metadata.labels).toMatchObject({ app: 'web', version: 'v2', 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/part-of': 'shop' });
    expect(v1.spec.template.spec.containers[0].image).toBe('ghcr.io/org/web:1.0.0');
    expect(v2.spec.template.spec.containers[0].image).toBe('ghcr.io/org/web:2.0.0');
    expect(find(app, 'Service', 'web').spec.selector).toEqual({ app: 'web' });
  });

  test('renaming the construct changes no name, selector or label (selectors are immutable)', () => {
    const a = make({ versions: [{ name: 'v1' }] }, 'web').app;
    const b = make({ versions: [{ name: 'v1' }] }, 'renamed-construct').app;
    expect(objects(b)).toEqual(objects(a));
    expect(JSON.stringify(objects(a))).not.toContain('cdk8s.io/metadata.addr');
  });

  test('config is a content-hashed immutable ConfigMap: a change renames it and rolls the pods', () => {
    const a = make({ config: { LEVEL: 'info' } }).app;
    const b = make({ config: { LEVEL: 'debug' } }).app;
    const cmA = objects(a).find(o => o.kind === 'ConfigMap');
    const cmB = objects(b).find(o => o.kind === 'ConfigMap');
    expect(cmA.metadata.name).toMatch(/^web-config-[bcdfghkmt2456789]{10}$/);
    expect(cmA.immutable).toBe(true);
    expect(cmA.metadata.name).not.toBe(cmB.metadata.name);
    expect(find(a, 'Deployment', 'web').spec.template.spec.containers[0].envFrom).toEqual([{ configMapRef: { name: cmA.metadata.name } }]);
    expect(make({ config: { LEVEL: 'info' } }).app.manifests()).toEqual(a.manifests());
  });

  test('versions merge their config over the service config', () => {
    const { app } = make({ config: { A: '1' }, versions: [{ name: 'v1', config: { V: '1.0' } }] });
    expect(objects(app).find(o => o.kind === 'ConfigMap').data).toEqual({ A: '1', V: '1.0' });
  });

  test('env vars: literal, secret, and addEnv after construction; nothing empty emitted', () => {
    const { app, svc } = make({ env: { MODE: 'prod' } });
    svc.addEnv('DB_PASSWORD', EnvValue.fromSecret('db', 'password'));
    const c = find(app, 'Deployment', 'web').spec.template.spec.containers[0];
    expect(c.env).toEqual([{ name: 'MODE', value: 'prod' }, { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }]);
    const bare = find(make().app, 'Deployment', 'web').spec.template.spec.containers[0];
    expect(bare.env).toBeUndefined();
    expect(bare.envFrom).toBeUndefined();
    expect(JSON.stringify(objects(make().app))).not.toMatch(/\[\]|:\{\}/);
  });

  test('HPA replaces replicas; PDB and NetworkPolicy on request', () => {
    const t = make({ autoscaling: { minReplicas: 2, maxReplicas: 5 }, disruptionBudget: { maxUnavailable: 1 }, networkPolicy: {} });
    const d = find(t.app, 'Deployment', 'web');
    expect(d.spec.replicas).toBeUndefined();
    expect(find(t.app, 'HorizontalPodAutoscaler', 'web').spec).toMatchObject({ minReplicas: 2, maxReplicas: 5, scaleTargetRef: { kind: 'Deployment', name: 'web' } });
    expect(find(t.app, 'PodDisruptionBudget', 'web').spec).toEqual({ selector: { matchLabels: { app: 'web' } }, maxUnavailable: 1 });
    expect(find(t.app, 'NetworkPolicy', 'web').spec.ingress[0].from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } } }]);
  });

  test('the release state pins tags over the defaults and is recorded', () => {
    const t = testChart({}, {}, { releases: { dev: { environment: 'dev', services: { web: { v1: 'rel-1' } } } } });
    new WebService(t.chart, 'web', { ...base, versions: [{ name: 'v1' }, { name: 'v2' }] });
    expect(find(t.app, 'Deployment', 'web-v1').spec.template.spec.containers[0].image).toBe('ghcr.io/org/web:rel-1');
    expect(t.app.releaseState('dev')).toEqual({ environment: 'dev', services: { web: { v1: 'rel-1', v2: '1.0.0' } } });
  });

  test('snapshot', () => {
    const { app } = make({ versions: [{ name: 'v1' }, { name: 'v2', tag: '2.0.0' }], config: { A: 'b' } });
    expect(objects(app)).toMatchSnapshot();
  });
});

describe('WebService bad input fails at construction, naming path, field, value and what is allowed', () => {
  test.each<[string, Partial<WebServiceProps>, string]>([
    ['Service name not DNS-1035', { name: '1web' }, '[shop-dev/web] name: "1web" is not a DNS-1035 label'],
    ['Service name with upper case', { name: 'Web' }, 'name: "Web" is not a DNS-1035 label'],
    ['version not a DNS-1123 label', { versions: [{ name: 'V2' }] }, 'versions[0].name: "V2" is not a DNS-1123 label'],
    ['duplicate version', { versions: [{ name: 'v1' }, { name: 'v1' }] }, 'versions[1].name: "v1" is declared twice'],
    ['port 0', { port: 0 }, 'port: 0 is not a valid port number: must be an integer from 1 to 65535'],
    ['port 70000', { port: 70000 }, 'port: 70000 is not a valid port number'],
    ['service port', { servicePort: 1.5 }, 'servicePort: 1.5 is not a valid port number'],
    ['port name too long', { portName: 'http-very-long-name' }, 'portName: "http-very-long-name" is not a valid port name (IANA service name): at most 15 characters'],
    ['port name upper case', { portName: 'HTTP' }, 'portName: "HTTP" is not a valid port name'],
    ['image latest', { image: 'ghcr.io/org/web:latest', tag: undefined }, 'image: "ghcr.io/org/web:latest" uses the mutable tag "latest"'],
    ['image without tag', { image: 'ghcr.io/org/web', tag: undefined }, 'image: "ghcr.io/org/web" has no tag or digest'],
    ['bad tag', { tag: 'latest' }, 'tag: "latest" is mutable: release an immutable tag'],
    ['bad quantity', { resources: { cpu: { request: 'lots' } } }, 'resources.cpu.request: "lots" is not a Kubernetes quantity'],
    ['request above limit', { resources: { memory: { request: '1Gi', limit: '512Mi' } } }, 'resources.memory.request: "1Gi" exceeds resources.memory.limit "512Mi": a request must be <= its limit'],
    ['UID 0', { runAsUser: 0 }, 'runAsUser: 0 is root: must be an integer from 10000 to 2147483647 (never 0 or 1337)'],
    ['UID 1337', { runAsUser: 1337 }, "runAsUser: 1337 is Istio's sidecar UID"],
    ['GID 1337', { runAsGroup: 1337 }, "runAsGroup: 1337 is Istio's sidecar UID"],
    ['duplicate env between service and version', { env: { A: '1' }, versions: [{ name: 'v1', env: { A: '2' } }] }, 'versions[0].env.A: "A" is already set in the service\'s env'],
    ['bad env name', { env: { '1A': 'x' } }, 'env.1A: "1A" is not a valid environment variable name'],
    ['identical liveness and readiness', { livenessProbe: Probe.fromHttpGet('/h', { periodSeconds: 5 }), readinessProbe: Probe.fromHttpGet('/h', { periodSeconds: 5 }) }, 'livenessProbe: "same as readinessProbe" must differ from readinessProbe'],
    ['imagePullPolicy not one of the policies', { imagePullPolicy: 'Sometimes' as ImagePullPolicy }, 'imagePullPolicy: "Sometimes" must be one of "IfNotPresent", "Always", "Never" (ImagePullPolicy)'],
    ['autoscaling max < min', { autoscaling: { minReplicas: 3, maxReplicas: 2 } }, 'autoscaling.maxReplicas: 2 must be >= autoscaling.minReplicas (3)'],
  ])('%s', (_, props, message) => {
    const t = testChart();
    expect(() => new WebService(t.chart, 'web', { ...base, ...props })).toThrow(message);
  });

  test('addEnv refuses a duplicate name', () => {
    const { svc } = make({ env: { A: '1' } });
    expect(() => svc.addEnv('A', '2')).toThrow('[shop-dev/web] addEnv("A"): "A" is already set');
  });

  test('addEnv refuses a name a version sets (the container would get it twice)', () => {
    const { svc } = make({ versions: [{ name: 'v1' }, { name: 'v2', env: { A: '1' } }] });
    expect(() => svc.addEnv('A', '2')).toThrow('[shop-dev/web] addEnv("A"): "A" is already set in the env of version v2: each environment variable is defined once');
    svc.addEnv('B', '2');
  });
});
