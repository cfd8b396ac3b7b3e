import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, Chart, Include, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { validateManifests, waiverAnnotation, Waivers } from '../../src';
import { tempDir } from '../temp-dir';
import { testChart } from '../util';

/** A legacy Deployment as a Kustomize base has it: no security context, no probes, no limits. */
const LEGACY = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'redis', labels: { app: 'redis' } },
  spec: {
    selector: { matchLabels: { app: 'redis' } },
    template: {
      metadata: { labels: { app: 'redis' } },
      spec: { containers: [{ name: 'redis', image: 'docker.io/library/redis:7.2.4', ports: [{ containerPort: 6379 }] }] },
    },
  },
};

function legacy(scope: Construct, id = 'redis', name = 'redis') {
  return new ApiObject(scope, id, { ...LEGACY, metadata: { ...LEGACY.metadata, name } });
}

const rulesOf = (ms: ReturnType<ReturnType<typeof testChart>['app']['manifests']>) => [...new Set(validateManifests(ms).findings.map(f => f.rule))].sort();

describe('Waivers.of(scope).allow(rules, reason)', () => {
  test('waives the findings of adopted objects subtree-wide, as the waiver annotations validate reads', () => {
    const before = testChart();
    legacy(before.chart);
    const findings = rulesOf(before.app.manifests());
    expect(findings.length).toBeGreaterThan(3); // a real set of findings to waive
    expect(findings).toContain('PSS-RUN-AS-NON-ROOT');

    const t = testChart();
    const legacyScope = new Construct(t.chart, 'legacy');
    legacy(legacyScope);
    Waivers.of(legacyScope).allow(findings, 'adopted from the Kustomize base as it is (OPS-12)');
    const ms = t.app.manifests();
    const report = validateManifests(ms);
    expect(report.findings).toEqual([]);
    expect(new Set(report.waived.map(w => w.rule))).toEqual(new Set(findings));
    const annotations = ms.find(m => m.object.kind === 'Deployment')!.object.metadata.annotations;
    expect(annotations[waiverAnnotation('PSS-RUN-AS-NON-ROOT')]).toBe('adopted from the Kustomize base as it is (OPS-12)');
    // on the workload's own metadata, not its pod template's
    expect(ms.find(m => m.object.kind === 'Deployment')!.object.spec.template.metadata.annotations).toBeUndefined();
  });

  test('covers objects added to the subtree after allow(), and only the subtree', () => {
    const t = testChart();
    const legacyScope = new Construct(t.chart, 'legacy');
    Waivers.of(legacyScope).allow(['PSS-RUN-AS-NON-ROOT'], 'legacy');
    legacy(legacyScope, 'late', 'late');
    legacy(t.chart, 'outside', 'outside');
    const deployments = Object.fromEntries(t.app.manifests().filter(m => m.object.kind === 'Deployment').map(m => [m.object.metadata.name, m.object.metadata.annotations]));
    expect(deployments.late).toEqual({ [waiverAnnotation('PSS-RUN-AS-NON-ROOT')]: 'legacy' });
    expect(deployments.outside).toBeUndefined();
  });

  test.each([['inner first'], ['outer first']])('the nearest scope wins (%s); an annotation of the object itself wins over both', order => {
    const t = testChart();
    const outer = new Construct(t.chart, 'outer');
    const inner = new Construct(outer, 'inner');
    const a = legacy(inner, 'a', 'a');
    const b = legacy(inner, 'b', 'b');
    b.metadata.addAnnotation(waiverAnnotation('PSS-RUN-AS-NON-ROOT'), 'own reason');
    const calls = [
      () => Waivers.of(inner).allow(['PSS-RUN-AS-NON-ROOT'], 'inner reason'),
      () => Waivers.of(outer).allow(['PSS-RUN-AS-NON-ROOT', 'PSS-CAPABILITIES'], 'outer reason'),
    ];
    (order === 'inner first' ? calls : calls.reverse()).forEach(call => call());
    const json = Testing.synth(t.chart);
    const byName = Object.fromEntries(json.map(o => [o.metadata.name, o.metadata.annotations]));
    expect(byName.a).toEqual({ [waiverAnnotation('PSS-RUN-AS-NON-ROOT')]: 'inner reason', [waiverAnnotation('PSS-CAPABILITIES')]: 'outer reason' });
    expect(byName.b[waiverAnnotation('PSS-RUN-AS-NON-ROOT')]).toBe('own reason');
    expect(a.metadata.toJson().annotations[waiverAnnotation('PSS-CAPABILITIES')]).toBe('outer reason');
    expect(Waivers.of(inner).allowed).toEqual({ 'PSS-RUN-AS-NON-ROOT': 'inner reason' });
  });

  test('in a plain cdk8s app: an Include of a manifests file, through app.synth()', () => {
    const dir = tempDir('waivers');
    const file = path.join(dir, 'redis.yaml');
    fs.writeFileSync(file, JSON.stringify(LEGACY));
    const app = new App({ outdir: path.join(dir, 'dist') });
    const chart = new Chart(app, 'legacy');
    const include = new Include(chart, 'redis', { url: file });
    Waivers.of(include).allow(['PSS-RUN-AS-NON-ROOT'], 'legacy image runs as root');
    app.synth();
    const written = fs.readFileSync(path.join(dir, 'dist', 'legacy.k8s.yaml'), 'utf8');
    expect(written).toContain(`${waiverAnnotation('PSS-RUN-AS-NON-ROOT')}: legacy image runs as root`);
  });

  test.each<[string, unknown, unknown, string]>([
    ['an unknown rule, with the closest id', ['PSS-RUN-AS-NONROOT'], 'r', '[shop-dev/x] Waivers.allow(rules): "PSS-RUN-AS-NONROOT" is not a waivable rule id (did you mean "PSS-RUN-AS-NON-ROOT"?)'],
    ['WAIVER-INVALID', ['WAIVER-INVALID'], 'r', '[shop-dev/x] Waivers.allow(rules): "WAIVER-INVALID" is not a waivable rule id'],
    ['no rules', [], 'r', '[shop-dev/x] Waivers.allow(rules): [] must name at least one rule id'],
    ['an empty reason', ['PSS-RUN-AS-NON-ROOT'], '  ', '[shop-dev/x] Waivers.allow(reason): "  " must say why the risk is accepted'],
  ])('refuses %s', (_, rules, reason, message) => {
    const t = testChart();
    const scope = new Construct(t.chart, 'x');
    expect(() => Waivers.of(scope).allow(rules as string[], reason as string)).toThrow(message);
  });
});
