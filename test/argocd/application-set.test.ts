/**
 * Argo CD for a multi-cluster environment: an Application per app and cluster, or one
 * ApplicationSet per app (list or git-directory generator); the AppProject's destinations from
 * the clusters; strict schemas and the cross-reference checks of what an ApplicationSet generates.
 */
import {
  AppChart, Application, ApplicationSet, AppProject, ArgoCdChart, ClusterGenerator, Environment, GitOpsApp, validateManifests, WebService,
} from '../../src';
import { Manifest } from '../../src/core/manifest';
import { find } from '../util';

const REPO = 'https://git.example.com/org/gitops.git';

/** prod in clusters `eu` and `us` (by name unless `servers`), app `shop` built in each, with an ApplicationSet or Applications. */
function setup(options: { generator?: ClusterGenerator; servers?: boolean; applications?: boolean } = {}) {
  const app = new GitOpsApp();
  const argocd = new ArgoCdChart(app, 'argocd', { repoURL: REPO });
  const project = new AppProject(argocd, 'project', { name: 'shop' });
  const prod = new Environment({
    name: 'prod',
    automatedSync: false,
    clusters: ['eu', 'us'].map(name => ({ name, ...(options.servers ? { server: `https://${name}.k8s.example.com` } : {}) })),
  });
  app.addEnvironment(prod, env => {
    const chart = new AppChart(app, `shop-${env.cluster!.name}`, { environment: env, app: 'shop' });
    new WebService(chart, 'web', { name: 'web', image: 'ghcr.io/org/web', tag: '1.0.0' });
    if (options.applications) new Application(argocd, chart.node.id, { project, source: chart });
  });
  if (!options.applications) new ApplicationSet(argocd, 'shop-prod', { project, environment: prod, app: 'shop', generator: options.generator });
  return { app, argocd, project, prod };
}

const findings = (ms: Manifest[]) => validateManifests(ms).findings.map(f => `${f.file} ${f.rule} ${f.field}: ${f.message}`);

describe('ApplicationSet', () => {
  test('list generator: an element per cluster with its destination; Go templates; the sync policy of an Application', () => {
    const { app } = setup({ servers: true });
    const set = find(app, 'ApplicationSet', 'shop-prod');
    expect(set.metadata.namespace).toBe('argocd');
    expect(set.spec.goTemplate).toBe(true);
    expect(set.spec.goTemplateOptions).toEqual(['missingkey=error']);
    expect(set.spec.generators).toEqual([{ list: { elements: [
      { cluster: 'eu', server: 'https://eu.k8s.example.com' },
      { cluster: 'us', server: 'https://us.k8s.example.com' },
    ] } }]);
    expect(set.spec.template.metadata).toEqual({
      name: 'shop-{{.cluster}}',
      finalizers: ['resources-finalizer.argocd.argoproj.io'],
      labels: { 'app.kubernetes.io/part-of': 'shop', 'cdk8s-gitops.io/cluster': '{{.cluster}}', 'cdk8s-gitops.io/environment': 'prod' },
    });
    expect(set.spec.template.spec.source).toEqual({ repoURL: REPO, targetRevision: 'main', path: 'prod/{{.cluster}}/shop', directory: { recurse: false } });
    expect(set.spec.template.spec.destination).toEqual({ server: '{{.server}}', namespace: 'shop-prod' });
    expect(set.spec.template.spec.syncPolicy.automated).toBeUndefined();
    expect(set.spec.template.spec.syncPolicy.retry).toEqual({ limit: 5, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } });
    expect(find(app, 'AppProject', 'shop').spec.destinations).toEqual([
      { server: 'https://eu.k8s.example.com', namespace: 'shop-prod' },
      { server: 'https://us.k8s.example.com', namespace: 'shop-prod' },
    ]);
    expect(findings(app.manifests())).toEqual([]);
  });

  test('list generator with clusters known to Argo CD by name', () => {
    const { app } = setup();
    const set = find(app, 'ApplicationSet', 'shop-prod');
    expect(set.spec.generators[0].list.elements).toEqual([{ cluster: 'eu', name: 'eu' }, { cluster: 'us', name: 'us' }]);
    expect(set.spec.template.spec.destination).toEqual({ name: '{{.name}}', namespace: 'shop-prod' });
    expect(find(app, 'AppProject', 'shop').spec.destinations).toEqual([{ name: 'eu', namespace: 'shop-prod' }, { name: 'us', namespace: 'shop-prod' }]);
    // the project's kinds come from the charts of the app in every cluster
    expect(find(app, 'AppProject', 'shop').spec.namespaceResourceWhitelist).toEqual([
      { group: '', kind: 'Service' }, { group: '', kind: 'ServiceAccount' }, { group: 'apps', kind: 'Deployment' },
    ]);
    expect(findings(app.manifests())).toEqual([]);
  });

  test('git-directory generator over <env>/*/<app>: the cluster is the folder, its Argo CD name', () => {
    const { app } = setup({ generator: ClusterGenerator.GIT_DIRECTORIES });
    const set = find(app, 'ApplicationSet', 'shop-prod');
    expect(set.spec.generators).toEqual([{ git: { repoURL: REPO, revision: 'main', directories: [{ path: 'prod/*/shop' }] } }]);
    expect(set.spec.template.metadata.name).toBe('shop-{{index .path.segments 1}}');
    expect(set.spec.template.spec.source.path).toBe('{{.path.path}}');
    expect(set.spec.template.spec.destination).toEqual({ name: '{{index .path.segments 1}}', namespace: 'shop-prod' });
    expect(findings(app.manifests())).toEqual([]);
  });

  test('an Application per app and cluster instead: named <app>-<cluster>, the cluster\'s destination and folder', () => {
    const { app } = setup({ servers: true, applications: true });
    const us = find(app, 'Application', 'shop-us');
    expect(us.spec.source.path).toBe('prod/us/shop');
    expect(us.spec.destination).toEqual({ server: 'https://us.k8s.example.com', namespace: 'shop-prod' });
    expect(us.metadata.labels['cdk8s-gitops.io/cluster']).toBe('us');
    expect(findings(app.manifests())).toEqual([]);
  });

  test.each<[string, (app: GitOpsApp, argocd: ArgoCdChart, project: AppProject) => void, string]>([
    ['an environment without clusters', (_app, argocd, project) => new ApplicationSet(argocd, 's', { project, environment: new Environment({ name: 'dev' }), app: 'shop' }),
      '[argocd/s] environment: "dev" lists no clusters: an ApplicationSet deploys an app to the clusters of an environment; for one cluster use an Application'],
    ['a cluster\'s view', (_app, argocd, project) => new ApplicationSet(argocd, 's', { project, environment: new Environment({ name: 'prod', clusters: [{ name: 'eu' }] }).clusters[0].environment, app: 'shop' }),
      '[argocd/s] environment: "prod/eu" is the view of cluster "eu": give the environment itself'],
    ['clusters by server and by name', (_app, argocd, project) => new ApplicationSet(argocd, 's', { project, environment: new Environment({ name: 'prod', clusters: [{ name: 'eu', server: 'https://eu.example.com' }, { name: 'us' }] }), app: 'shop' }),
      '[argocd/s] environment: "prod" has clusters with a destination server (eu) and clusters with a destination name: one template has one of them'],
    ['a git-directory generator with a server', (_app, argocd, project) => new ApplicationSet(argocd, 's', { project, environment: new Environment({ name: 'prod', clusters: [{ name: 'eu', server: 'https://eu.example.com' }] }), app: 'shop', generator: ClusterGenerator.GIT_DIRECTORIES }),
      '[argocd/s] generator: "git-directories" needs every cluster registered in Argo CD under its folder\'s name, but eu deploys to https://eu.example.com: use ClusterGenerator.LIST'],
    ['an unknown generator', (_app, argocd, project) => new ApplicationSet(argocd, 's', { project, environment: new Environment({ name: 'prod', clusters: [{ name: 'eu' }] }), app: 'shop', generator: 'matrix' as any }),
      '[argocd/s] generator: "matrix" is not a ClusterGenerator (allowed: list, git-directories)'],
  ])('refuses %s', (_name, make, message) => {
    const app = new GitOpsApp();
    const argocd = new ArgoCdChart(app, 'argocd', { repoURL: REPO });
    const project = new AppProject(argocd, 'project', { name: 'shop' });
    expect(() => make(app, argocd, project)).toThrow(message);
  });

  test('a chart built with another namespace than the ApplicationSet deploys to is an error at render', () => {
    const app = new GitOpsApp();
    const argocd = new ArgoCdChart(app, 'argocd', { repoURL: REPO });
    const project = new AppProject(argocd, 'project', { name: 'shop' });
    const prod = new Environment({ name: 'prod', clusters: [{ name: 'eu' }, { name: 'us' }] });
    app.addEnvironment(prod, env => {
      new AppChart(app, `shop-${env.cluster!.name}`, { environment: env, app: 'shop', namespace: env.cluster!.name === 'us' ? 'shop-us' : undefined });
    });
    new ApplicationSet(argocd, 'shop-prod', { project, environment: prod, app: 'shop' });
    expect(() => app.manifests()).toThrow('the chart shop-us of prod/us has namespace "shop-us", but its ApplicationSet "shop-prod" deploys the app to namespace "shop-prod" in every cluster');
  });
});

describe('validate: what an ApplicationSet generates', () => {
  const edit = (ms: Manifest[], kind: string, change: (o: any) => void): Manifest[] => {
    const copy = JSON.parse(JSON.stringify(ms)) as Manifest[];
    change(copy.find(m => m.object.kind === kind)!.object);
    return copy;
  };

  test('a directory pattern matching no folder; a generated destination the project does not allow; a missing project', () => {
    const ms = setup({ generator: ClusterGenerator.GIT_DIRECTORIES }).app.manifests();
    expect(findings(edit(ms, 'ApplicationSet', o => { o.spec.generators[0].git.directories[0].path = 'prod/*/shopp'; }))).toEqual([
      'argocd/applicationset-shop-prod.yaml XREF-APP-PATH spec.generators[0].git.directories[0].path: directory pattern "prod/*/shopp" matches no folder holding manifests in the output: the generator makes no Application',
    ]);
    expect(findings(edit(ms, 'AppProject', o => { o.spec.destinations = o.spec.destinations.slice(0, 1); }))).toEqual([
      'argocd/applicationset-shop-prod.yaml XREF-APP-DESTINATION spec.template.spec.destination: destination cluster name "us", namespace "shop-prod" is not allowed by AppProject "shop" '
        + '(destinations: [{"name":"eu","namespace":"shop-prod"}]) (the Application generated for directory prod/us/shop)',
    ]);
    expect(findings(edit(ms, 'ApplicationSet', o => { o.spec.template.spec.project = 'other'; }))).toEqual([
      'argocd/applicationset-shop-prod.yaml XREF-APP-DESTINATION spec.template.spec.project: AppProject "other" does not exist in namespace "argocd" (the Application generated for directory prod/eu/shop)',
      'argocd/applicationset-shop-prod.yaml XREF-APP-DESTINATION spec.template.spec.project: AppProject "other" does not exist in namespace "argocd" (the Application generated for directory prod/us/shop)',
    ]);
  });

  test('a list element whose folder holds nothing; a source repository the project does not permit; a template it cannot resolve is not judged', () => {
    const ms = setup().app.manifests();
    const extra = edit(ms, 'ApplicationSet', o => { o.spec.generators[0].list.elements.push({ cluster: 'ap', name: 'ap' }); });
    expect(findings(extra)).toEqual([
      'argocd/applicationset-shop-prod.yaml XREF-APP-PATH spec.template.spec.source.path: source path "prod/ap/shop" holds no manifests in the output (the Application generated for element 2 {"cluster":"ap","name":"ap"})',
      'argocd/applicationset-shop-prod.yaml XREF-APP-DESTINATION spec.template.spec.destination: destination cluster name "ap", namespace "shop-prod" is not allowed by AppProject "shop" '
        + '(destinations: [{"name":"eu","namespace":"shop-prod"},{"name":"us","namespace":"shop-prod"}]) (the Application generated for element 2 {"cluster":"ap","name":"ap"})',
    ]);
    expect(findings(edit(ms, 'ApplicationSet', o => { o.spec.template.spec.source.repoURL = 'https://git.example.com/other.git'; }))).toContain(
      'argocd/applicationset-shop-prod.yaml XREF-APP-SOURCE spec.template.spec.source.repoURL: repository "https://git.example.com/other.git" is not permitted by AppProject "shop" '
        + `(sourceRepos: ["${REPO}"]) (the Application generated for element 0 {"cluster":"eu","name":"eu"})`);
    expect(findings(edit(ms, 'ApplicationSet', o => { o.spec.template.spec.source.path = '{{.values.folder}}'; }))).toEqual([]);
  });

  test('the same names in two clusters do not collide: checks across objects run per destination cluster', () => {
    const ms = setup({ servers: true, applications: true }).app.manifests();
    expect(ms.filter(m => m.object.kind === 'Service' && m.object.metadata.name === 'web')).toHaveLength(2);
    expect(findings(ms)).toEqual([]);
    // a Service of one cluster does not select the pods of the other
    const broken = edit(ms, 'Deployment', o => { o.spec.template.metadata.labels.app = 'other'; o.spec.selector.matchLabels.app = 'other'; });
    expect(findings(broken).filter(f => f.includes('XREF-SERVICE-SELECTOR'))).toEqual([
      expect.stringMatching(/^prod\/eu\/shop\/service-web\.yaml XREF-SERVICE-SELECTOR /),
    ]);
  });
});
