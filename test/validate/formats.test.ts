/**
 * validate's machine formats, read back with real parsers: SARIF 2.1.0 (JSON, checked field by
 * field: no SARIF schema is available offline), JUnit XML (fast-xml-parser); and stdin.
 */
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { stringify } from 'yaml';
import { Manifest } from '../../src/core/manifest';
import { RULES, waiverAnnotation } from '../../src/validate';
import { xml } from '../../src/validate/junit';
import { fieldKeys } from '../../src/validate/locate';
import { cli, spawnCli } from '../gitops/helpers';
import { goodPlatform, obj, writeTree } from './fixtures';

const PKG = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));

const spawnStdin = (argv: string[], input: string) => spawnCli(argv, { input });

const REASON = 'bench needs <host> & "node" networking\u0001 (OPS-12)';

/** The platform with two findings (an untagged image, hostIPC) and one waived finding (hostNetwork on redis). */
function platformWithFindings(): Manifest[] {
  const ms = goodPlatform();
  obj(ms, 'Deployment', 'frontend').spec.template.spec.containers[0].image = 'ghcr.io/example/frontend';
  obj(ms, 'Deployment', 'frontend').spec.template.spec.hostIPC = true;
  const redis = obj(ms, 'Deployment', 'redis');
  redis.metadata.annotations = { [waiverAnnotation('PSS-HOST-NAMESPACES')]: REASON };
  redis.spec.template.spec.hostNetwork = true;
  return ms;
}

describe('validate -o sarif', () => {
  test('a SARIF 2.1.0 log: one run, the tool and its rules, a result per finding with file, line and suppression', async () => {
    const dir = writeTree(platformWithFindings());
    const json = await cli('validate', dir, '-o', 'sarif');
    const plain = await cli('validate', dir, '-o', 'json');
    expect(json.code).toBe(1);
    const log = JSON.parse(json.stdout);
    const report = JSON.parse(plain.stdout);

    expect(log.version).toBe('2.1.0');
    expect(log.$schema).toMatch(/sarif-2\.1\.0/);
    expect(log.runs).toHaveLength(1);
    const [run] = log.runs;
    const driver = run.tool.driver;
    expect(driver).toMatchObject({ name: 'cdk8s-gitops', version: PKG.version });
    expect(new URL(driver.informationUri).protocol).toBe('https:');
    expect(driver.rules.map((r: any) => r.id)).toEqual(RULES.map(r => r.id));
    for (const r of driver.rules) {
      expect(r.shortDescription.text.length).toBeGreaterThan(10);
      expect(r.shortDescription.text).toMatch(/\.$/);
      expect(['none', 'note', 'warning', 'error']).toContain(r.defaultConfiguration.level);
    }
    const base = run.originalUriBaseIds.VALIDATED.uri;
    expect(base).toBe(`${pathToFileURL(dir).href}/`);

    expect(run.results).toHaveLength(report.findings.length + report.waived.length);
    expect(run.results).toHaveLength(3);
    for (const [i, f] of [...report.findings, ...report.waived].entries()) {
      const r = run.results[i];
      expect(r.ruleId).toBe(f.rule);
      expect(driver.rules[r.ruleIndex].id).toBe(f.rule);
      expect(r.level).toBe('error');
      expect(r.message.text).toBe(`${f.kind}/${f.name}: ${f.field}: ${f.message}`);
      const location = r.locations[0].physicalLocation;
      expect(location.artifactLocation).toEqual({ uri: f.file, uriBaseId: 'VALIDATED' });
      // the region's line holds the field (or, for a field that is missing, the mapping that lacks it)
      const line = fs.readFileSync(path.join(dir, f.file), 'utf8').split('\n')[location.region.startLine - 1];
      const lastKey = f.field.split('.').pop().replace(/\[\d+\]$/, '');
      expect(line).toContain(`${lastKey}:`);
    }
    const waived = run.results.filter((r: any) => r.suppressions);
    expect(waived).toHaveLength(1);
    expect(waived[0].suppressions).toEqual([{ kind: 'inSource', justification: REASON }]);
    expect(waived[0].ruleId).toBe('PSS-HOST-NAMESPACES');
  });

  test('a clean tree: every rule, no results, exit 0', async () => {
    const r = await cli('validate', writeTree(goodPlatform()), '--output=sarif');
    expect(r.code).toBe(0);
    const log = JSON.parse(r.stdout);
    expect(log.runs[0].results).toEqual([]);
    expect(log.runs[0].tool.driver.rules).toHaveLength(RULES.length);
  });
});

describe('validate -o junit', () => {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: name => ['testsuite', 'testcase', 'failure'].includes(name), trimValues: false });

  test('well-formed JUnit XML: a testsuite per file, a testcase per object, a failure per object with findings, escaped text', async () => {
    const ms = platformWithFindings();
    const r = await cli('validate', writeTree(ms), '-o', 'junit');
    expect(r.code).toBe(1);
    expect(XMLValidator.validate(r.stdout)).toBe(true);
    const doc = parser.parse(r.stdout);
    const suites = doc.testsuites;
    expect(suites).toMatchObject({ name: 'cdk8s-gitops validate', tests: '28', failures: '1', errors: '0' });
    const files = [...new Set(ms.map(m => m.path))].filter(p => !p.endsWith('release.yaml')).sort();
    expect(suites.testsuite.map((s: any) => s.name).sort()).toEqual(files.filter(f => ms.some(m => m.path === f && m.object.kind !== 'Release')));
    const cases = suites.testsuite.flatMap((s: any) => s.testcase.map((c: any) => ({ ...c, suite: s.name })));
    expect(cases).toHaveLength(28);
    for (const c of cases) expect(c.classname).toBe(c.suite);

    const frontend = cases.find((c: any) => c.name === 'Deployment/frontend (demo-dev)');
    expect(frontend.failure).toHaveLength(1);
    expect(frontend.failure[0].message).toBe('2 findings: PSS-HOST-NAMESPACES, POL-IMAGE-TAG');
    expect(frontend.failure[0]['#text'].split('\n')).toEqual([
      expect.stringMatching(/^dev\/ab-testing\/deployment-frontend.yaml: Deployment\/frontend: PSS-HOST-NAMESPACES: spec.template.spec.hostIPC: /),
      expect.stringMatching(/: POL-IMAGE-TAG: spec.template.spec.containers\[0\].image: container "frontend" image "ghcr.io\/example\/frontend" has no tag/),
    ]);
    // markup in a waiver's reason survives
    const redis = cases.find((c: any) => c.name === 'Deployment/redis (demo-dev)');
    expect(redis.failure).toBeUndefined();
    expect(redis['system-out']).toContain(`(reason: ${JSON.stringify(REASON)})`);
    expect(cases.filter((c: any) => c.failure)).toHaveLength(1);
  });

  test('a clean tree: 28 passing testcases', async () => {
    const r = await cli('validate', writeTree(goodPlatform()), '-o', 'junit');
    expect(r.code).toBe(0);
    const doc = parser.parse(r.stdout);
    expect(doc.testsuites).toMatchObject({ tests: '28', failures: '0' });
  });
});

describe('validate - (stdin)', () => {
  const stream = (ms: Manifest[]) => ms.map(m => `# Source: ${m.path}\n${stringify(m.object)}`).join('---\n');

  test('a multi-document stream: findings name <stdin>#N, N the document\'s position', async () => {
    const ms = goodPlatform().filter(m => m.object.kind !== 'Release');
    obj(ms, 'Deployment', 'frontend').spec.template.spec.hostIPC = true;
    const position = ms.findIndex(m => m.object.kind === 'Deployment' && m.object.metadata.name === 'frontend') + 1;
    const r = await spawnStdin(['validate', '-'], stream(ms));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')).toEqual([
      `<stdin>#${position}: Deployment/frontend: PSS-HOST-NAMESPACES: spec.template.spec.hostIPC: hostIPC: true shares the node's namespace; remove it`,
      `1 finding, 0 waived, in ${ms.length} objects (${ms.length} files)`,
      '',
    ]);

    const sarif = await spawnStdin(['validate', '-', '-o', 'sarif'], stream(ms));
    const result = JSON.parse(sarif.stdout).runs[0].results[0];
    expect(result.locations[0].physicalLocation.artifactLocation).toEqual({ uri: `%3Cstdin%3E%23${position}` });
    const line = stream(ms).split('\n')[result.locations[0].physicalLocation.region.startLine - 1];
    expect(line.trim()).toBe('hostIPC: true');
  });

  test('clean input exits 0; empty input is a usage error (exit 2); a document that is not YAML is a finding (exit 2), the others are checked', async () => {
    const clean = await spawnStdin(['validate', '-', '-o', 'json'], stream(goodPlatform()));
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.stdout)).toMatchObject({ ok: true, summary: { objects: 28 } });

    const empty = await spawnStdin(['validate', '-'], '');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('cdk8s-gitops validate: <stdin>: no Kubernetes objects on standard input (it was empty)');

    const broken = await spawnStdin(['validate', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad}\n---\nkind: B\nmetadata: {name: x\n');
    expect(broken.code).toBe(2);
    expect(broken.stderr).toBe('cdk8s-gitops validate: 1 file could not be read (wholly or in part) as YAML of Kubernetes objects (INPUT-UNREADABLE, listed in the report)\n');
    expect(broken.stdout.split('\n')).toEqual([
      expect.stringMatching(/^<stdin>#1: ConfigMap\/Bad: SCHEMA-NAME: metadata.name: name "Bad" is not a DNS-1123 subdomain/),
      expect.stringMatching(/^<stdin>#2: INPUT-UNREADABLE: not valid YAML: /),
      '2 findings, 0 waived, in 1 object (2 files)',
      '',
    ]);
  });
});

describe('helpers', () => {
  test('xml(): markup escaped; characters XML 1.0 cannot hold become U+FFFD, pairs of surrogates stay', () => {
    const text = 'a<b>&"c\'\u0001\u001f\ud800x\udc00\ud83d\ude00\n\tend';
    const escaped = xml(text);
    expect(escaped).toBe('a&lt;b&gt;&amp;&quot;c&apos;\uFFFD\uFFFD\uFFFDx\uFFFD\ud83d\ude00\n\tend');
    const doc = `<r a="${escaped}">${escaped}</r>`;
    expect(XMLValidator.validate(doc)).toBe(true);
    expect(new XMLParser({ ignoreAttributes: false, trimValues: false, processEntities: true }).parse(doc).r['#text']).toBe('a<b>&"c\'\uFFFD\uFFFD\uFFFDx\uFFFD\ud83d\ude00\n\tend');
  });

  test('fieldKeys() reads the field paths findings carry', () => {
    expect(fieldKeys('spec.template.spec.containers[0].image')).toEqual(['spec', 'template', 'spec', 'containers', 0, 'image']);
    expect(fieldKeys('metadata.annotations["cdk8s-gitops.io/waive.X"]')).toEqual(['metadata', 'annotations', 'cdk8s-gitops.io/waive.X']);
    expect(fieldKeys('')).toEqual([]);
    expect(fieldKeys('spec..x')).toBeUndefined();
  });
});
