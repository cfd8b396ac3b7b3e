/**
 * The real `promtool` (Debian's prometheus package): `check rules` on rendered rule groups and
 * `test rules` on unit tests the tests generate. Missing, its suites are skipped with how to
 * install it, or fail when CDK8S_GITOPS_PROMETHEUS_TESTS=required (as `.ci/run` sets it).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { tempDir } from '../temp-dir';
import { INSTALL_HINT, REQUIRED } from '../gate/real-prometheus';

const available = spawnSync('promtool', ['--version'], { stdio: 'ignore', timeout: 20_000 }).status === 0;

/** `describe` for a suite that runs promtool. */
export function describeWithPromtool(name: string, body: () => void): void {
  if (available) {
    describe(name, body);
  } else if (REQUIRED) {
    describe(name, () => {
      test('has promtool (CDK8S_GITOPS_PROMETHEUS_TESTS=required)', () => {
        throw new Error(`promtool not found. Install: ${INSTALL_HINT}`);
      });
    });
  } else {
    // eslint-disable-next-line no-console
    console.warn(`${name}: SKIPPED, promtool not found. Install: ${INSTALL_HINT}`);
    describe.skip(name, body);
  }
}

/** What promtool printed and its exit code. */
export interface PromtoolRun {
  readonly status: number | null;
  readonly output: string;
}

function run(args: string[], cwd: string): PromtoolRun {
  const r = spawnSync('promtool', args, { cwd, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** `promtool check rules` on a rules file holding `groups` (a PrometheusRule's `spec.groups`). */
export function checkRules(groups: unknown[]): PromtoolRun {
  const dir = tempDir('promtool-');
  fs.writeFileSync(path.join(dir, 'rules.yaml'), stringify({ groups }));
  return run(['check', 'rules', 'rules.yaml'], dir);
}

/** `promtool test rules` of `tests` (the unit-test file's `tests:`) against `groups`. */
export function testRules(groups: unknown[], tests: unknown[]): PromtoolRun {
  const dir = tempDir('promtool-');
  fs.writeFileSync(path.join(dir, 'rules.yaml'), stringify({ groups }));
  fs.writeFileSync(path.join(dir, 'tests.yaml'), stringify({ rule_files: ['rules.yaml'], evaluation_interval: '1m', tests }));
  return run(['test', 'rules', 'tests.yaml'], dir);
}
