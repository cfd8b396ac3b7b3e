/**
 * INPUT-UNREADABLE: a file validate cannot read as YAML of Kubernetes objects (an alias bomb,
 * invalid YAML, a FIFO, a file too large) is a finding naming it, every other file is still
 * checked, the report is written in full in every format, and the exit code is 2.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { XMLParser } from 'fast-xml-parser';
import { loadManifests, ManifestLoadError, validateDirectory } from '../../src/validate';
import { spawnCli } from '../gitops/helpers';
import { goodPlatform, obj, writeTree } from './fixtures';

/** A document that expands into 9^6 strings through aliases ("billion laughs"). */
const ALIAS_BOMB = [
  'a: &a ["x","x","x","x","x","x","x","x","x"]',
  ...['b', 'c', 'd', 'e', 'f', 'g'].map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefg'[i]}`).join(',')}]`),
  '',
].join('\n');

/** The platform with one finding (an untagged image), plus an alias bomb. */
function treeWithBomb(): string {
  const ms = goodPlatform();
  obj(ms, 'Deployment', 'frontend').spec.template.spec.containers[0].image = 'ghcr.io/example/frontend';
  const dir = writeTree(ms);
  fs.writeFileSync(path.join(dir, 'dev', 'bomb.yaml'), ALIAS_BOMB);
  return dir;
}

const BOMB_MESSAGE = 'document 1: expands aliases more than 100 times (an alias bomb, "billion laughs"): not read';

describe('a file validate cannot read, among good ones', () => {
  test('text: the alias bomb is a finding naming its file, the other files are checked, exit 2', async () => {
    const r = await spawnCli(['validate', treeWithBomb()]);
    expect(r.code).toBe(2);
    expect(r.stdout.split('\n')).toEqual([
      expect.stringMatching(/^dev\/ab-testing\/deployment-frontend\.yaml: Deployment\/frontend: POL-IMAGE-TAG: /),
      `dev/bomb.yaml: INPUT-UNREADABLE: ${BOMB_MESSAGE}`,
      '2 findings, 0 waived, in 28 objects (30 files)',
      '',
    ]);
    expect(r.stderr).toBe('cdk8s-gitops validate: 1 file could not be read (wholly or in part) as YAML of Kubernetes objects (INPUT-UNREADABLE, listed in the report)\n');
  });

  test('json, sarif and junit: the full report, with the unreadable file and the good files\' findings', async () => {
    const dir = treeWithBomb();
    const json = await spawnCli(['validate', dir, '-o', 'json']);
    expect(json.code).toBe(2);
    const report = JSON.parse(json.stdout);
    expect(report.ok).toBe(false);
    expect(report.summary).toEqual({ files: 30, objects: 28, findings: 2, waived: 0 });
    expect(report.findings.map((f: any) => `${f.file} ${f.rule}`)).toEqual(['dev/ab-testing/deployment-frontend.yaml POL-IMAGE-TAG', 'dev/bomb.yaml INPUT-UNREADABLE']);
    expect(report.findings[1]).toEqual({ rule: 'INPUT-UNREADABLE', file: 'dev/bomb.yaml', kind: '', name: '', field: '', message: BOMB_MESSAGE });

    const sarif = await spawnCli(['validate', dir, '-o', 'sarif']);
    expect(sarif.code).toBe(2);
    const results = JSON.parse(sarif.stdout).runs[0].results;
    expect(results.map((x: any) => x.ruleId)).toEqual(['POL-IMAGE-TAG', 'INPUT-UNREADABLE']);
    expect(results[1].message.text).toBe(BOMB_MESSAGE);
    expect(results[1].locations).toEqual([{ physicalLocation: { artifactLocation: { uri: 'dev/bomb.yaml', uriBaseId: 'VALIDATED' } } }]);

    const junit = await spawnCli(['validate', dir, '-o', 'junit']);
    expect(junit.code).toBe(2);
    const suites = new XMLParser({ ignoreAttributes: false, isArray: n => n === 'testsuite' || n === 'testcase' }).parse(junit.stdout).testsuites;
    expect(suites['@_failures']).toBe('2');
    const bomb = suites.testsuite.find((s: any) => s['@_name'] === 'dev/bomb.yaml');
    expect(bomb.testcase[0]['@_name']).toBe('(file)');
    expect(bomb.testcase[0].failure['@_type']).toBe('INPUT-UNREADABLE');
    expect(suites.testsuite.some((s: any) => s['@_name'] === 'dev/ab-testing/deployment-frontend.yaml' && s['@_failures'] === '1')).toBe(true);
  });

  test('every kind of unreadable file is reported, each by name, in one run', async () => {
    const dir = writeTree(goodPlatform());
    fs.writeFileSync(path.join(dir, 'bomb.yaml'), ALIAS_BOMB);
    fs.writeFileSync(path.join(dir, 'broken.yaml'), 'kind: Service\nmetadata: {name: x\n');
    fs.writeFileSync(path.join(dir, 'list.yaml'), '- a\n- b\n');
    // the second document is bad: the first is still checked
    fs.writeFileSync(path.join(dir, 'half.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Half_Bad}\n---\njust text\n');
    execFileSync('mkfifo', [path.join(dir, 'pipe.yaml')]);
    const huge = path.join(dir, 'huge.yaml');
    fs.writeFileSync(huge, '');
    fs.truncateSync(huge, 64 * 1024 * 1024 + 1); // sparse: nothing is written
    const r = await spawnCli(['validate', dir, '-o', 'json'], { timeout: 20_000 });
    expect(r.code).toBe(2);
    const findings = JSON.parse(r.stdout).findings.map((f: any) => `${f.file}: ${f.rule}: ${f.message}`);
    expect(findings).toEqual([
      `bomb.yaml: INPUT-UNREADABLE: ${BOMB_MESSAGE}`,
      expect.stringMatching(/^broken\.yaml: INPUT-UNREADABLE: document 1: not valid YAML: .* at line \d+, column \d+$/),
      'half.yaml: INPUT-UNREADABLE: document 2: is a string, not a Kubernetes object (a mapping with apiVersion and kind)',
      expect.stringMatching(/^half\.yaml: SCHEMA-NAME: name "Half_Bad" is not a DNS-1123 subdomain/),
      `huge.yaml: INPUT-UNREADABLE: ${huge} is 67108865 bytes: files of more than 67108864 bytes are not read`,
      'list.yaml: INPUT-UNREADABLE: document 1: is a list, not a Kubernetes object (a mapping with apiVersion and kind)',
      `pipe.yaml: INPUT-UNREADABLE: ${path.join(dir, 'pipe.yaml')} is a FIFO (named pipe): only regular files are read (it was not opened)`,
    ]);
    expect(r.stderr).toBe('cdk8s-gitops validate: 6 files could not be read (wholly or in part) as YAML of Kubernetes objects (INPUT-UNREADABLE, listed in the report)\n');
  });

  test('a single file that is an alias bomb: a finding, exit 2', async () => {
    const dir = treeWithBomb();
    const r = await spawnCli(['validate', path.join(dir, 'dev', 'bomb.yaml'), '-o', 'json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).findings).toEqual([{ rule: 'INPUT-UNREADABLE', file: 'bomb.yaml', kind: '', name: '', field: '', message: BOMB_MESSAGE }]);
  });

  test('an alias bomb on stdin names its document', async () => {
    const r = await spawnCli(['validate', '-'], { input: `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fine}\n---\n${ALIAS_BOMB}` });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe(`<stdin>#2: INPUT-UNREADABLE: ${BOMB_MESSAGE.replace('document 1: ', '')}\n1 finding, 0 waived, in 1 object (2 files)\n`);
  });

  test('library: validateDirectory reports the file; loadManifests throws unless given onError', () => {
    const dir = treeWithBomb();
    const report = validateDirectory(dir);
    expect(report.ok).toBe(false);
    expect(report.findings.map(f => f.rule)).toEqual(['POL-IMAGE-TAG', 'INPUT-UNREADABLE']);
    expect(() => loadManifests(dir)).toThrow(new ManifestLoadError(`dev/bomb.yaml: ${BOMB_MESSAGE}`));
    const errors: ManifestLoadError[] = [];
    expect(loadManifests(dir, { onError: e => errors.push(e) })).toHaveLength(goodPlatform().length);
    expect(errors.map(e => e.file)).toEqual(['dev/bomb.yaml']);
  });

  test('a missing folder is still a usage error without a report', async () => {
    const r = await spawnCli(['validate', path.join(writeTree([]), 'nope')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/cannot read .*nope: no such file or directory/);
  });
});
