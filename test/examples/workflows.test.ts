import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { ACTION_PINS, pinActions } from '../../src/cli/ci-pins';
import { commandLines } from './command-lines';
import { initAppWorkflow, initDependabot, initGitopsWorkflow, initWorkflows } from './init-templates';
import { APP_WORKFLOW, DEPENDABOT, GITOPS_WORKFLOW, Job, readWorkflow, stepsOf, templateName, Workflow, WORKFLOWS } from './templates';

/** The workflows of examples/ and those `init --ci github` writes: every check below runs over all of them. */
const ALL = [...WORKFLOWS, ...initWorkflows()];
const each = (files: string[]) => files.map(f => [templateName(f), f]);

/** `owner/repo[/path]@<full commit SHA>`. */
const PINNED = /^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/;

/**
 * The first major version of each action that runs on Node 24 (the Node 20 runtime is being
 * removed from the runners). An action missing here fails the test: look its runtime up.
 * Composite actions (no runtime of their own) map to 0.
 */
const NODE24_SINCE: Record<string, number> = {
  'actions/checkout': 5,
  'actions/setup-node': 5,
  'actions/setup-python': 6,
  'actions/upload-artifact': 6,
  'actions/download-artifact': 7,
  'docker/setup-buildx-action': 4,
  'docker/login-action': 4,
  'docker/build-push-action': 7,
  'aquasecurity/trivy-action': 0,
};

/** A `uses:` line as written: the reference and its version comment. */
interface UsesLine { readonly file: string; readonly line: number; readonly ref: string; readonly comment: string }

function usesLines(file: string, text = fs.readFileSync(file, 'utf8')): UsesLine[] {
  return text.split('\n').flatMap((l, i) => {
    const m = /^\s*(?:-\s+)?uses:\s*(\S+)\s*(.*)$/.exec(l);
    return m ? [{ file: templateName(file), line: i + 1, ref: m[1], comment: m[2] }] : [];
  });
}

/** [major, minor, patch] of `# vX.Y.Z`. */
function version(comment: string): number[] {
  const m = /^#\s*v(\d+)\.(\d+)\.(\d+)$/.exec(comment);
  if (!m) throw new Error(`${JSON.stringify(comment)} is not a "# vX.Y.Z" version comment`);
  return m.slice(1).map(Number);
}

/** Grants of write scopes: `job: scope`, `(workflow): scope`; `write-all` counts as a grant of everything. */
function writeGrants(wf: Workflow): string[] {
  const grants = (where: string, p: Job['permissions']) => typeof p === 'string'
    ? [`${where}: ${p}`]
    : Object.entries(p ?? {}).filter(([, v]) => v === 'write').map(([k]) => `${where}: ${k}`);
  return [...grants('(workflow)', wf.permissions), ...Object.entries(wf.jobs).flatMap(([id, j]) => grants(id, j.permissions))];
}

describe('every action is pinned to a full commit SHA with its version in a comment', () => {
  test.each(each(ALL))('%s', (_, file) => {
    const lines = usesLines(file);
    // every `uses:` the workflow has is a line this check reads
    expect(lines.map(l => l.ref)).toEqual(stepsOf(readWorkflow(file)).flatMap(s => s.step.uses ?? []));
    expect(lines.filter(l => !PINNED.test(l.ref)).map(l => `${l.file}:${l.line}: ${l.ref}`)).toEqual([]);
    for (const l of lines) expect(() => version(l.comment)).not.toThrow();
  });

  test('each action has one pin and one version across the templates (examples/ and init\'s), on a Node 24 runtime', () => {
    const pins = new Map<string, Set<string>>();
    for (const l of ALL.flatMap(f => usesLines(f))) {
      const action = l.ref.split('@')[0];
      pins.set(action, (pins.get(action) ?? new Set()).add(`${l.ref.split('@')[1]} ${l.comment}`));
    }
    const problems = [...pins].flatMap(([action, seen]) => {
      if (seen.size > 1) return [`${action} has ${seen.size} pins: ${[...seen].join(', ')}`];
      if (!(action in NODE24_SINCE)) return [`${action}: add the first major version on Node 24 to NODE24_SINCE`];
      const major = version([...seen][0].replace(/^\S+ /, ''))[0];
      return major < NODE24_SINCE[action] ? [`${action} v${major} runs on Node 20; v${NODE24_SINCE[action]} or later runs on Node 24`] : [];
    });
    expect(problems).toEqual([]);
    expect(pins.size).toBe(9);
  });

  test('the pins are the one list of src/cli/ci-pins.ts: examples/, init\'s workflows and the table of docs/ci-templates.md', () => {
    const wrong = ALL.flatMap(f => usesLines(f)).flatMap(l => {
      const [action, sha] = l.ref.split('@');
      const pin = ACTION_PINS[action];
      return pin !== undefined && pin.sha === sha && l.comment === `# ${pin.version}` ? [] : [`${l.file}:${l.line}: ${l.ref} ${l.comment}`];
    });
    expect(wrong).toEqual([]);
    // every pin is used by examples/ (none is left stale in the list)
    expect(new Set(WORKFLOWS.flatMap(f => usesLines(f)).map(l => l.ref.split('@')[0]))).toEqual(new Set(Object.keys(ACTION_PINS)));
    const doc = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'ci-templates.md'), 'utf8');
    const table = [...doc.matchAll(/^\| ([\w.-]+\/[\w.-]+) \| (v[\d.]+)[^|]* \| `([0-9a-f]{40})` \|$/gm)].map(m => [m[1], { sha: m[3], version: m[2] }]);
    expect(Object.fromEntries(table)).toEqual(ACTION_PINS);
  });

  test('init pins every `uses: owner/repo@{{pin}}` of its templates, and refuses an action without a pin', () => {
    expect(pinActions('t.yml', '      - uses: actions/checkout@{{pin}}\n        with: {}\n'))
      .toBe(`      - uses: actions/checkout@${ACTION_PINS['actions/checkout'].sha} # ${ACTION_PINS['actions/checkout'].version}\n        with: {}\n`);
    expect(() => pinActions('t.yml', '  uses: someone/else@{{pin}}\n')).toThrow('t.yml: no pin for action someone/else (known: actions/checkout, ');
    for (const f of initWorkflows()) expect(fs.readFileSync(f, 'utf8')).not.toContain('{{pin}}');
  });

  test('Trivy is a release published after the March 2026 tag hijack (v0.36.0 or later)', () => {
    const trivy = ALL.flatMap(f => usesLines(f)).filter(l => l.ref.startsWith('aquasecurity/trivy-action@'));
    expect(trivy.length).toBeGreaterThan(0);
    const atLeast = (v: number[], min: number[]) => v.map((n, i) => n - min[i]).find(d => d !== 0) ?? 0;
    for (const l of trivy) expect(atLeast(version(l.comment), [0, 36, 0])).toBeGreaterThanOrEqual(0);
    expect(atLeast([0, 35, 0], [0, 36, 0])).toBeLessThan(0);
  });

  test('the check fails on a tag, a short SHA or a missing version comment', () => {
    const text = fs.readFileSync(APP_WORKFLOW, 'utf8');
    const first = usesLines(APP_WORKFLOW, text)[0];
    const [action, sha] = first.ref.split('@');
    expect(PINNED.test(first.ref)).toBe(true);
    for (const bad of [`${action}@v7`, `${action}@${sha.slice(0, 12)}`]) {
      expect(PINNED.test(usesLines(APP_WORKFLOW, text.replace(first.ref, bad))[0].ref)).toBe(false);
    }
    expect(() => version(usesLines(APP_WORKFLOW, text.replace(`${first.ref} ${first.comment}`, first.ref))[0].comment)).toThrow('not a "# vX.Y.Z"');
  });
});

describe('least privilege', () => {
  test.each(each(ALL))('%s: nothing by default, each job its own permissions, no write-all', (_, file) => {
    const wf = readWorkflow(file);
    expect(wf.permissions).toEqual({});
    for (const [id, job] of Object.entries(wf.jobs)) expect([id, typeof job.permissions]).toEqual([id, 'object']);
    expect(fs.readFileSync(file, 'utf8')).not.toMatch(/write-all|read-all/);
  });

  test('only the push job may write, and only packages', () => {
    for (const app of [APP_WORKFLOW, initAppWorkflow()]) {
      expect(writeGrants(readWorkflow(app))).toEqual(['push: packages']);
      // the job that runs the scanner cannot write packages
      const wf = readWorkflow(app);
      const scanner = Object.entries(wf.jobs).find(([, j]) => j.steps.some(s => s.uses?.startsWith('aquasecurity/trivy-action@')))!;
      expect(writeGrants({ jobs: { [scanner[0]]: scanner[1] } })).toEqual([]);
    }
    expect(writeGrants(readWorkflow(GITOPS_WORKFLOW))).toEqual([]);
    expect(writeGrants(readWorkflow(initGitopsWorkflow()))).toEqual([]);
    // so the check can fail
    expect(writeGrants(parse('jobs:\n  a:\n    permissions: write-all\n    steps: []\n'))).toEqual(['a: write-all']);
  });

  test.each(each(ALL))('%s: checkouts keep no credentials; no ${{ }} inside run scripts', (_, file) => {
    const steps = stepsOf(readWorkflow(file));
    const checkouts = steps.filter(s => s.step.uses?.startsWith('actions/checkout@'));
    expect(checkouts.length).toBeGreaterThan(0);
    for (const { job, step } of checkouts) expect([job, step.with?.['persist-credentials']]).toEqual([job, false]);
    for (const { job, step } of steps.filter(s => s.step.run !== undefined)) expect(`${job}: ${step.run}`).not.toContain('${{');
  });
});

describe('concurrency and timeouts', () => {
  test.each(each(ALL))('%s: every job has a timeout of at most an hour', (_, file) => {
    for (const [id, job] of Object.entries(readWorkflow(file).jobs)) {
      expect([id, typeof job['timeout-minutes']]).toEqual([id, 'number']);
      expect(job['timeout-minutes']).toBeGreaterThan(0);
      expect(job['timeout-minutes']).toBeLessThanOrEqual(60);
    }
  });

  /** `job: group` of each job that runs release, promote or shift, checked against its own --env/--to. */
  const releaseGroups = (file: string): string[] => {
    const wf = readWorkflow(file);
    const seen: string[] = [];
    for (const [id, job] of Object.entries(wf.jobs)) {
      for (const line of job.steps.flatMap(s => s.run === undefined ? [] : commandLines({ where: id, text: s.run }, { TAG: 'x', RUNNER_TEMP: '/t', PROMETHEUS_URL: 'http://p:9090', SERVICE: 'web' }))) {
        const [command, ...args] = line.argv;
        if (command === 'status') continue; // reads only
        const env = command === 'promote' ? args[args.indexOf('--to') + 1] : args[args.indexOf('--env') + 1];
        const group = job.if === "vars.PROD_ROLLOUT == 'canary'" ? `gitops-canary-${env}` : `gitops-${command}-${env}`;
        expect(job.concurrency).toEqual({ 'group': group, 'cancel-in-progress': false });
        seen.push(`${id}: ${job.concurrency!.group}`);
      }
    }
    return seen;
  };

  test('a job that releases, promotes or shifts holds the group of its environment, never cancelled; the canary\'s steps share one', () => {
    expect(releaseGroups(initAppWorkflow())).toEqual(['release-dev: gitops-release-dev', 'promote-prod: gitops-promote-prod']);
    expect(releaseGroups(APP_WORKFLOW)).toEqual([
      'release-dev: gitops-release-dev', 'promote-prod: gitops-promote-prod',
      'canary-prod: gitops-canary-prod', 'shift-prod-10: gitops-canary-prod', 'shift-prod-50: gitops-canary-prod', 'release-prod: gitops-canary-prod',
    ]);
  });

  test.each(each([APP_WORKFLOW, initAppWorkflow()]))('%s: a run whose commit is no longer the tip of the branch releases nothing (builds finish in any order)', (_, file) => {
    const wf = readWorkflow(file);
    const [fresh, ...rest] = wf.jobs['release-dev'].steps;
    expect(fresh.run).toContain('"$tip" = "$GITHUB_SHA"');
    for (const step of rest) expect(step.if).toBe("steps.fresh.outputs.fresh == 'true'");
    expect(wf.jobs['smoke-test'].if).toBe("needs.release-dev.outputs.released == 'true'");
  });

  test.each(each(ALL))('%s: npm ci runs no install scripts; no deprecated flag', (_, file) => {
    const scripts = stepsOf(readWorkflow(file)).flatMap(s => s.step.run ?? []);
    const installs = scripts.flatMap(r => r.match(/npm ci\b[^&|;\n]*/g) ?? []);
    expect(installs.length).toBeGreaterThan(0);
    for (const i of installs) expect(i).toContain('--ignore-scripts');
    expect(scripts.join('\n')).not.toMatch(/cdk8s-gitops [\s\S]*--(format|json)\b/);
  });

  test.each(each(ALL))('%s: Node 22 or later', (_, file) => {
    const nodes = stepsOf(readWorkflow(file)).filter(s => s.step.uses?.startsWith('actions/setup-node@'));
    expect(nodes.length).toBeGreaterThan(0);
    for (const { step } of nodes) expect(Number(step.with?.['node-version'])).toBeGreaterThanOrEqual(22);
  });
});

describe('the GitOps token', () => {
  const pushingOf = (file: string) => stepsOf(readWorkflow(file)).filter(s => /cdk8s-gitops (release|promote|shift)[\s\S]*--push/.test(s.step.run ?? ''));
  const pushing = [...pushingOf(APP_WORKFLOW), ...pushingOf(initAppWorkflow())];

  test('reaches git through a credential helper in the environment of the steps that push', () => {
    expect(pushingOf(APP_WORKFLOW).map(s => s.job)).toEqual(['release-dev', 'promote-prod', 'canary-prod', 'shift-prod-10', 'shift-prod-50', 'release-prod']);
    expect(pushingOf(initAppWorkflow()).map(s => s.job)).toEqual(['release-dev', 'promote-prod']);
    for (const { step } of pushing) {
      expect(step.env).toMatchObject({ GITOPS_TOKEN: '${{ secrets.GITOPS_TOKEN }}', GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'credential.helper' });
    }
  });

  test('real git gets the token from the helper, and only where the token is set', () => {
    const fill = (env: Record<string, string>) => spawnSync('git', ['credential', 'fill'], {
      input: 'protocol=https\nhost=github.com\npath=owner/gitops.git\n\n',
      env: { PATH: process.env.PATH, HOME: process.env.HOME, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0', ...env },
      encoding: 'utf8',
    });
    for (const { step } of pushing) {
      const helper = Object.fromEntries(Object.entries(step.env!).filter(([k]) => k.startsWith('GIT_CONFIG_')));
      const ok = fill({ ...helper, GITOPS_TOKEN: 's3cret-token' });
      expect(ok.stdout).toContain('username=x-access-token\npassword=s3cret-token\n');
      // without the token in the environment (any other step) the helper gives no password
      expect(fill(helper).stdout).toContain('password=\n');
    }
  });
});

describe('Dependabot', () => {
  test.each(each([...DEPENDABOT, ...initDependabot()]))('%s bumps the pinned actions weekly, in one grouped pull request, after a cooldown', (_, file) => {
    const config = parse(fs.readFileSync(file, 'utf8'));
    expect(config.version).toBe(2);
    const actions = config.updates.filter((u: any) => u['package-ecosystem'] === 'github-actions');
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({ directory: '/', schedule: { interval: 'weekly' }, groups: { 'github-actions': { patterns: ['*'] } } });
    expect(actions[0].cooldown['default-days']).toBeGreaterThanOrEqual(7);
  });
});
