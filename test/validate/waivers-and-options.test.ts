import { Manifest } from '../../src/core/manifest';
import { formatJson, formatText, validateManifests, waiverAnnotation, WAIVER_ANNOTATION_PREFIX } from '../../src/validate';
import { goodPlatform, manifest, obj } from './fixtures';

describe('waivers', () => {
  test('a waiver with a reason moves the findings of that rule on that object to "waived", reported in the summary', () => {
    const ms = goodPlatform();
    const d = obj(ms, 'Deployment', 'redis');
    d.spec.template.spec.hostNetwork = true;
    d.spec.template.spec.containers[0].image = 'redis';
    d.metadata.annotations = { [waiverAnnotation('PSS-HOST-NAMESPACES')]: 'redis benchmark needs the host network (ticket OPS-12)' };
    const report = validateManifests(ms);
    expect(report.findings.map(f => f.rule)).toEqual(['POL-IMAGE-TAG']);
    expect(report.waived).toEqual([expect.objectContaining({
      rule: 'PSS-HOST-NAMESPACES', kind: 'Deployment', name: 'redis', namespace: 'demo-dev',
      field: 'spec.template.spec.hostNetwork', reason: 'redis benchmark needs the host network (ticket OPS-12)',
    })]);
    const text = formatText(report);
    expect(text).toContain('1 finding, 1 waived, in 28 objects (29 files)');
    expect(text).toContain('  waived: dev/ab-testing/deployment-redis.yaml: Deployment/redis: PSS-HOST-NAMESPACES: spec.template.spec.hostNetwork:');
    expect(JSON.parse(formatJson(report)).summary).toEqual({ files: 29, objects: 28, findings: 1, waived: 1 });
  });

  test('a waiver on one object does not waive the same rule on another', () => {
    const ms = goodPlatform();
    for (const name of ['backend-v1', 'backend-v2']) obj(ms, 'Deployment', name).spec.template.spec.hostPID = true;
    obj(ms, 'Deployment', 'backend-v1').metadata.annotations = { [`${WAIVER_ANNOTATION_PREFIX}PSS-HOST-NAMESPACES`]: 'debugging' };
    const report = validateManifests(ms);
    expect(report.findings.map(f => `${f.name} ${f.rule}`)).toEqual(['backend-v2 PSS-HOST-NAMESPACES']);
    expect(report.waived.map(f => f.name)).toEqual(['backend-v1']);
  });

  test('an empty reason waives nothing and is itself a finding', () => {
    const ms = goodPlatform();
    const d = obj(ms, 'Deployment', 'redis');
    d.spec.template.spec.hostNetwork = true;
    d.metadata.annotations = { [waiverAnnotation('PSS-HOST-NAMESPACES')]: '' };
    expect(validateManifests(ms).findings.map(f => f.rule).sort()).toEqual(['PSS-HOST-NAMESPACES', 'WAIVER-INVALID']);
  });

  test('WAIVER-INVALID cannot be waived', () => {
    const ms = goodPlatform();
    obj(ms, 'Deployment', 'redis').metadata.annotations = { [waiverAnnotation('WAIVER-INVALID')]: 'please' };
    expect(validateManifests(ms).findings.map(f => f.rule)).toEqual(['WAIVER-INVALID']);
  });
});

describe('options and environment detection', () => {
  test('prod is detected from a namespace ending in -prod as well as from the prod/ folder', () => {
    const ms: Manifest[] = JSON.parse(JSON.stringify(goodPlatform()).replace(/demo-dev/g, 'demo-prod'));
    expect(validateManifests(ms).findings).toEqual([]);
    obj(ms, 'Gateway', 'demo-gateway').spec.servers[0].hosts = ['*/*'];
    expect(validateManifests(ms).findings.map(f => f.rule)).toEqual(['POL-GATEWAY-WILDCARD-PROD']);
  });

  test('"*" Gateway hosts are fine outside prod, and isProduction can be replaced', () => {
    const ms = goodPlatform();
    obj(ms, 'Gateway', 'demo-gateway').spec.servers[0].hosts = ['*'];
    expect(validateManifests(ms).findings).toEqual([]);
    expect(validateManifests(ms, { isProduction: () => true }).findings.map(f => f.rule)).toEqual(['POL-GATEWAY-WILDCARD-PROD']);
  });

  test('principals in Istio system namespaces are trusted; externalNamespaces can narrow that', () => {
    const ms = goodPlatform();
    expect(validateManifests(ms).findings).toEqual([]);
    const findings = validateManifests(ms, { externalNamespaces: [] }).findings;
    expect(findings.map(f => `${f.name} ${f.rule}`)).toEqual(['frontend-to-backend XREF-AUTHZ-PRINCIPAL', 'ingress-to-frontend XREF-AUTHZ-PRINCIPAL']);
  });

  test('seed 001: the smoke test principal in namespace demo is caught, and the message says where the account really is', () => {
    const ms = goodPlatform();
    obj(ms, 'AuthorizationPolicy', 'smoke-test-to-backend').spec.rules[0].from[0].source.principals = ['cluster.local/ns/demo/sa/smoke-test-sa'];
    const [f, ...rest] = validateManifests(ms).findings;
    expect(rest).toEqual([]);
    expect(f).toEqual(expect.objectContaining({
      rule: 'XREF-AUTHZ-PRINCIPAL', file: 'dev/ab-testing/authorizationpolicy-smoke-test-to-backend.yaml', namespace: 'demo-dev',
      field: 'spec.rules[0].from[0].source.principals[0]',
    }));
    expect(f.message).toBe('principal "cluster.local/ns/demo/sa/smoke-test-sa" names ServiceAccount "smoke-test-sa" in namespace "demo", which does not exist (it exists in "demo-dev")');
  });

  test('outsideFolders: an Application may point at a folder the validated part does not hold', () => {
    const ms = goodPlatform();
    obj(ms, 'Application', 'ab-testing-dev').spec.source.path = 'dev/elsewhere';
    expect(validateManifests(ms).findings.map(f => f.rule)).toEqual(['XREF-APP-PATH']);
    expect(validateManifests(ms, { outsideFolders: ['dev/elsewhere/'] }).findings).toEqual([]);
    expect(validateManifests(ms, { outsideFolders: ['dev/other'] }).findings.map(f => f.rule)).toEqual(['XREF-APP-PATH']);
    // a folder stands for everything under it (a release passes the other environments' folders)
    expect(validateManifests(ms, { outsideFolders: ['dev'] }).findings).toEqual([]);
    expect(validateManifests(ms, { outsideFolders: ['de'] }).findings.map(f => f.rule)).toEqual(['XREF-APP-PATH']);
  });

  test('unchanged: the schema check skips those files; the checks across objects still see them', () => {
    const ms = goodPlatform();
    const backend = manifest(ms, 'Deployment', 'backend-v1');
    backend.object.spec.template.spec.containers[0].imagePulPolicy = 'Always';
    const sa = manifest(ms, 'ServiceAccount', 'backend-sa');
    expect(validateManifests(ms).findings.map(f => f.rule)).toEqual(['SCHEMA-UNKNOWN-FIELD']);
    expect(validateManifests(ms, { unchanged: new Set([backend.path]) }).findings).toEqual([]);
    // a cross-reference finding on an unchanged object is still reported
    sa.object.metadata.name = 'renamed-sa';
    const rules = validateManifests(ms, { unchanged: new Set(ms.map(m => m.path)) }).findings.map(f => f.rule);
    expect(rules.length).toBeGreaterThan(0);
    expect(rules.every(r => r.startsWith('XREF-'))).toBe(true);
  });

  test('objects without metadata.namespace take the namespace of the Application that deploys their folder', () => {
    const ms = goodPlatform();
    for (const m of ms) if (m.path.startsWith('dev/ab-testing/') && m.object.kind !== 'Namespace') delete m.object.metadata.namespace;
    expect(validateManifests(ms).findings).toEqual([]);
    expect(manifest(ms, 'Service', 'backend').object.metadata.namespace).toBeUndefined();
  });
});

describe('Application destinations (XREF-APP-DESTINATION)', () => {
  const destinationFindings = (destination: Record<string, string>, destinations: Array<Record<string, string>>) => {
    const ms = goodPlatform();
    obj(ms, 'Application', 'ab-testing-dev').spec.destination = destination;
    obj(ms, 'AppProject', 'ab-testing').spec.destinations = destinations;
    return validateManifests(ms).findings.filter(f => f.rule === 'XREF-APP-DESTINATION').map(f => `${f.name} ${f.field}`);
  };
  const inCluster = { server: 'https://kubernetes.default.svc', namespace: 'demo-dev' };
  test('globs of Argo CD: "?", "[...]" and "{a,b}" too; "*" crosses "/" in a server URL (no separator)', () => {
    expect(destinationFindings(inCluster, [{ server: 'https://kubernetes.default.svc', namespace: 'demo-{dev,staging}' }])).toEqual([]);
    expect(destinationFindings(inCluster, [{ server: 'https://kubernetes.default.sv?', namespace: 'demo-[a-f]ev' }])).toEqual([]);
    expect(destinationFindings(inCluster, [{ server: 'https://*', namespace: 'demo-*' }])).toEqual([]);
    expect(destinationFindings(inCluster, [{ server: 'https://kubernetes.default.svc', namespace: 'demo-{prod,staging}' }])).toEqual(['ab-testing-dev spec.destination']);
  });
  test('a "!" field allows what it does not match and vetoes what it does', () => {
    expect(destinationFindings(inCluster, [{ server: 'https://kubernetes.default.svc', namespace: '!kube-*' }])).toEqual([]);
    expect(destinationFindings(inCluster, [{ server: '*', namespace: '*' }, { server: '*', namespace: '!demo-*' }])).toEqual(['ab-testing-dev spec.destination']);
  });
});

describe('Application source repositories (XREF-APP-SOURCE)', () => {
  const sourceFindings = (repoURL: string, sourceRepos: string[]) => {
    const ms = goodPlatform();
    obj(ms, 'Application', 'ab-testing-dev').spec.source.repoURL = repoURL;
    obj(ms, 'AppProject', 'ab-testing').spec.sourceRepos = sourceRepos;
    return validateManifests(ms).findings.filter(f => f.rule === 'XREF-APP-SOURCE').map(f => `${f.name} ${f.field}`);
  };
  test('compared as Argo CD does: case and .git do not matter, a trailing slash does', () => {
    expect(sourceFindings('https://GitHub.com/example/gitops-demo', ['https://github.com/example/gitops-demo.git'])).toEqual([]);
    // Argo CD's NormalizeGitURL keeps the slash: it refuses this repository
    expect(sourceFindings('https://github.com/example/gitops-demo/', ['https://github.com/example/gitops-demo.git'])).toEqual(['ab-testing-dev spec.source.repoURL']);
  });
  test('"*" stays within one path segment ("/" is the separator), "**" crosses them', () => {
    const ms = goodPlatform();
    obj(ms, 'Application', 'ab-testing-dev').spec.source.repoURL = 'https://github.com/example/team/gitops-demo.git';
    obj(ms, 'AppProject', 'ab-testing').spec.sourceRepos = ['https://github.com/example/*'];
    const [f] = validateManifests(ms).findings.filter(x => x.rule === 'XREF-APP-SOURCE');
    expect(f).toMatchObject({ name: 'ab-testing-dev', field: 'spec.source.repoURL' });
    expect(f.message).toBe('repository "https://github.com/example/team/gitops-demo.git" is not permitted by AppProject "ab-testing" (sourceRepos: ["https://github.com/example/*"]; '
      + 'Argo CD\'s globs: "*" stays within one path segment, "**" crosses them)');
    expect(sourceFindings('https://github.com/example/team/gitops-demo.git', ['https://github.com/example/**'])).toEqual([]);
    expect(sourceFindings('https://github.com/example/team/gitops-demo.git', ['https://github.com/example/*/*'])).toEqual([]);
    expect(sourceFindings('https://github.com/example/gitops-demo.git', ['https://github.com/example/gitops-?emo', 'https://github.com/example/[a-f]*'])).toEqual([]);
    expect(sourceFindings('https://github.com/example/gitops-demo.git', ['https://github.com/example/[!g]*'])).toEqual(['ab-testing-dev spec.source.repoURL']);
  });
  test('braces in a URL path are no glob in Argo CD (its URL normalization percent-encodes them), and the finding says so', () => {
    const ms = goodPlatform();
    obj(ms, 'AppProject', 'ab-testing').spec.sourceRepos = ['https://github.com/example/{gitops,demo}-demo'];
    const [f] = validateManifests(ms).findings.filter(x => x.rule === 'XREF-APP-SOURCE');
    expect(f.message).toContain('; Argo CD reads pattern "https://github.com/example/{gitops,demo}-demo" as "https://github.com/example/%7Bgitops,demo%7D-demo" '
      + '(its URL normalization percent-encodes the path), so it matches only that');
    // in a host-less scp-style URL too, but not in a destination (no URL normalization there)
    expect(sourceFindings('git@github.com:example/gitops-demo.git', ['git@github.com:example/{gitops,x}-demo'])).toEqual(['ab-testing-dev spec.source.repoURL']);
    expect(sourceFindings('git@github.com:example/gitops-demo.git', ['git@github.com:example/gitops-*'])).toEqual([]);
  });
  test('a pattern that is no glob matches nothing, and the finding says so', () => {
    const ms = goodPlatform();
    obj(ms, 'AppProject', 'ab-testing').spec.sourceRepos = ['https://github.com/example/[abc'];
    const [f] = validateManifests(ms).findings.filter(x => x.rule === 'XREF-APP-SOURCE');
    expect(f.message).not.toContain('percent-encodes');
    expect(f.message).toContain('; pattern "https://github.com/example/[abc" is not a valid glob (unexpected end of input: "[" is not closed): Argo CD matches nothing with it');
  });
  test('globs allow, "!" entries deny', () => {
    expect(sourceFindings('https://github.com/example/gitops-demo.git', ['https://github.com/example/*'])).toEqual([]);
    expect(sourceFindings('https://github.com/example/gitops-demo.git', ['https://github.com/example/*', '!https://github.com/example/gitops-*']))
      .toEqual(['ab-testing-dev spec.source.repoURL']);
  });
});
