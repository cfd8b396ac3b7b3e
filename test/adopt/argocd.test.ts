/**
 * Which Argo CD Applications and AppProjects `adopt` recognizes as the library's constructs
 * (one Application per environment deploying its namespace, and their project), and why the
 * others stay raw: each refusal says what the construct could not keep. The input is
 * test/adopt/fixtures/argocd, edited per test.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { recognizeArgoCd } from '../../src/adopt/argocd';
import { buildAdoption } from '../../src/adopt/model';
import { AdoptInput } from '../../src/adopt/sources';

const FIXTURE = (env: string) => path.join(__dirname, 'fixtures', 'argocd', `${env}.yaml`);
const objects = (env: string): Record<string, any>[] => parseAllDocuments(fs.readFileSync(FIXTURE(env), 'utf8')).map(d => d.toJS()).filter(Boolean);

/** The fixture's environments, `edit` applied to each object of every environment. */
function adopt(edit: (o: Record<string, any>, env: string) => Record<string, any> | undefined = o => o) {
  const inputs: AdoptInput[] = ['dev', 'prod'].map(env => ({
    environment: env, source: FIXTURE(env), kind: 'file',
    manifests: objects(env).map(o => edit(o, env)).filter((o): o is Record<string, any> => o !== undefined).map((object, i) => ({ path: `#${i}`, object })),
  }));
  const adoption = buildAdoption(inputs);
  return { adoption, ...recognizeArgoCd(adoption) };
}
const application = (edit: (o: Record<string, any>) => void) => (o: Record<string, any>) => {
  if (o.kind === 'Application') edit(o);
  return o;
};
/** The one reason all the Argo CD objects got (they stay raw together). */
function reason(r: ReturnType<typeof adopt>): string {
  expect(r.recognized).toBeUndefined();
  const reasons = [...new Set(r.reasons.values())];
  expect(r.reasons.size).toBe(3);
  expect(reasons).toHaveLength(1);
  return reasons[0];
}

test("the fixture: one Application per environment and their AppProject; the chart's props the ones not the defaults", () => {
  const r = adopt();
  expect(r.reasons.size).toBe(0);
  expect(r.recognized?.chart).toEqual({ repoURL: 'https://git.example.com/org/site-deploy.git' });
  expect(r.recognized?.project).toMatchObject({ name: 'site', description: 'The site' });
  expect(r.recognized?.applications.get('dev')?.props).toEqual({ name: 'site-dev', automated: true, syncOptions: ['CreateNamespace=true'] });
  expect(r.recognized?.applications.get('prod')?.props).toEqual({ name: 'site-prod', automated: false, syncOptions: ['CreateNamespace=true'] });
});

test('a retry other than the defaults becomes the props (durations as cdk8s Durations); whole numbers only', () => {
  const r = adopt(application(o => { o.spec.syncPolicy.retry = { limit: 3, backoff: { duration: '10s', factor: 2, maxDuration: '1h' } }; }));
  const retry = r.recognized?.applications.get('dev')?.props.retry as Record<string, any>;
  expect(retry.limit).toBe(3);
  expect(retry.duration.text).toBe('Duration.seconds(10)');
  expect(retry.maxDuration.text).toBe('Duration.hours(1)');
  expect(retry.factor).toBeUndefined();
  expect(reason(adopt(application(o => { o.spec.syncPolicy.retry = { limit: 3, backoff: { duration: '1m30s' } }; }))))
    .toBe('Application site-dev: syncPolicy.retry.backoff.duration "1m30s" is not a whole number of s, m or h (what SyncRetryProps\' Durations write)');
  expect(reason(adopt(application(o => { o.spec.syncPolicy.retry = { limit: -1 }; }))))
    .toBe('Application site-dev: syncPolicy.retry.limit -1 is not a whole number >= 0 (what SyncRetryProps takes)');
});

test('what the Application construct cannot express leaves every Argo CD object raw, with the reason', () => {
  expect(reason(adopt(application(o => { o.spec.ignoreDifferences = [{ kind: 'Deployment' }]; }))))
    .toBe('Application site-dev: spec has ignoreDifferences (the construct renders project, source, destination and syncPolicy only)');
  expect(reason(adopt(application(o => { o.spec.source.helm = { valueFiles: ['v.yaml'] }; }))))
    .toMatch(/^Application site-dev: its source is not a plain directory/);
  expect(reason(adopt(application(o => { o.spec.destination = { name: 'in-cluster', namespace: o.spec.destination.namespace }; }))))
    .toMatch(/^Application site-dev: its destination is not a server and a namespace/);
  expect(reason(adopt(application(o => { o.spec.syncPolicy.automated = { prune: false, selfHeal: true }; }))))
    .toBe('Application site-dev: syncPolicy.automated {"prune":false,"selfHeal":true} is not prune and selfHeal (the construct\'s automated sync)');
  expect(reason(adopt(application(o => { o.metadata.labels = { team: 'web' }; }))))
    .toBe('Application site-dev: it has labels or annotations (the construct renders its own labels)');
});

test('what the ArgoCdChart and AppProject cannot express leaves them raw: repositories, projects, a missing or richer AppProject', () => {
  expect(reason(adopt(application((o) => { if (o.metadata.name === 'site-prod') o.spec.source.repoURL = 'https://git.example.com/org/other.git'; }))))
    .toMatch(/^the Applications differ in source\.repoURL/);
  expect(reason(adopt(application(o => { o.spec.project = 'default'; }))))
    .toBe("their project is Argo CD's own `default` (the AppProject construct would replace it with a least-privilege one)");
  const noProject = adopt(o => (o.kind === 'AppProject' ? undefined : o));
  expect(noProject.recognized).toBeUndefined();
  expect([...noProject.reasons.values()]).toEqual(Array(2).fill('their AppProject site is not among the adopted objects of every environment (the program would create it)'));
  expect(reason(adopt(o => { if (o.kind === 'AppProject') o.spec.roles = [{ name: 'ci' }]; return o; })))
    .toBe('AppProject site spec has roles (roles, sync windows, signature keys: the construct has none)');
});

test('an environment with no Application deploying its namespace, or two, leaves them raw', () => {
  const r = adopt((o, env) => (o.kind === 'Application' && env === 'prod' ? undefined : o));
  expect(r.recognized).toBeUndefined();
  expect([...new Set(r.reasons.values())]).toEqual(['environment prod has 0 Applications deploying its namespace site-prod (the construct stands for one per environment)']);
  const inputs: AdoptInput[] = ['dev', 'prod'].map(env => {
    const os = objects(env);
    if (env === 'dev') os.push({ ...structuredClone(os.find(o => o.kind === 'Application')!), metadata: { name: 'site-dev-extra', namespace: 'argocd' } });
    return { environment: env, source: FIXTURE(env), kind: 'file', manifests: os.map((object, i) => ({ path: `#${i}`, object })) };
  });
  const two = recognizeArgoCd(buildAdoption(inputs));
  expect(two.recognized).toBeUndefined();
  expect([...new Set(two.reasons.values())]).toEqual(['environment dev has 2 Applications deploying its namespace site-dev (the construct stands for one per environment)']);
});
