/**
 * The CI templates of examples/, run: every job of the GitHub Actions workflows (the `run:`
 * steps in order, in bash with a runner's environment: GITHUB_SHA, GITHUB_REPOSITORY,
 * GITHUB_WORKSPACE, RUNNER_TEMP, GITHUB_OUTPUT, `${{ }}` with test values) and every stage of the
 * Jenkinsfile (its `sh` steps, in sh), against local bare repositories: the GitOps repository
 * (README.md, CODEOWNERS, .github/ and the program in program/, bootstrapped with `synth
 * --gitops-dir .`) and the app repositories. Two programs in program/: the reference app and a
 * `cdk8s-gitops init` project, both installed from the packed package, offline.
 *
 * Skipped by name, and listed in the output: the steps that need Docker, a registry, PyPI,
 * GitHub's or GitLab's API or a cluster. Done here as the action does it: actions/checkout (a
 * clone of the local bare repository), actions/setup-node (a Node >= 22 first on PATH), and
 * Jenkins' `checkout scm` and `tools { nodejs }`. Every `cdk8s-gitops` and `git` step runs; the
 * metrics gate of the canary's shifts asks a real Prometheus that scrapes real instrumented
 * apps labelled as the canaries' pods.
 *
 * `npm ci` runs offline from the npm cache. A job's `npm ci` of a package-lock.json an earlier
 * install already installed reuses that node_modules (test/examples/npm-reuse.js); with
 * CDK8S_GITOPS_PACKAGE_TESTS=required (`.ci/run`) each distinct `npm ci` (flags and lock) runs.
 */
import { initGitopsWorkflow } from './init-templates';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { queryInstant } from '../../src/gate/prometheus';
import { describeWithPrometheus, Stack, startStacks } from '../gate/real-prometheus';
import { installOffline, ensureBuilt, pack, REQUIRED, ROOT, run } from '../package/npm';
import { tempDir } from '../temp-dir';
import { GithubContexts, jobRuns, JenkinsRun, Machine, runJenkinsfile, runJob, Skip, stepLabel } from './runner';
import { APP_WORKFLOW, EXAMPLES, GITOPS_WORKFLOW, JENKINSFILE, readWorkflow, Workflow } from './templates';



/** The steps not run here, by `job: step` (GitHub) or stage / `sh` label (Jenkins), and why. */
const GITHUB_SKIPS = new Map<string, Skip>([
  ['test: actions/setup-python', { why: 'downloads Python (network)' }],
  ['test: Unit tests', { why: 'pip install from PyPI (network); the services\' sources are the app repository\'s' }],
  ['build: docker/setup-buildx-action', { why: 'Docker' }],
  ['build: Build', { why: 'docker build' }],
  ['build: Trivy scan (fails on HIGH or CRITICAL)', { why: 'trivy (Docker, vulnerability database download)' }],
  ['build: Save the scanned image', { why: 'docker save' }],
  ['build: actions/upload-artifact', { why: 'GitHub\'s artifact storage (network)' }],
  ['push: actions/download-artifact', { why: 'GitHub\'s artifact storage (network)' }],
  ['push: docker/login-action', { why: 'the registry (network)' }],
  ['push: Push the immutable SHA tag', { why: 'docker push (network)' }],
  ['release-dev: Release only the newest commit of the branch', { why: 'GitHub\'s API (gh api); taken as fresh', outputs: { fresh: 'true' } }],
  ['smoke-test: Wait until Argo CD rolled out the new tag', { why: 'a cluster (kubectl)' }],
  ['smoke-test: Smoke test (the PostSync hook Job)', { why: 'a cluster (kubectl)' }],
  ['promote-prod: Open the promotion pull request', { why: 'GitHub\'s API (gh pr create)' }],
]);
const JENKINS_SKIPS = new Map<string, Skip>([
  ['Test', { why: 'pip install from PyPI (network)' }],
  ['Build', { why: 'docker build' }],
  ['Scan', { why: 'trivy (Docker, vulnerability database download)' }],
  ['Push', { why: 'docker login and push (network)' }],
  ['Open the merge request', { why: 'GitLab\'s API (glab mr create)' }],
]);

/** A Node >= 22 (what setup-node and the Jenkinsfile's tool give): this one, or the one `.ci/run` installs. */
function node22(): string | undefined {
  // .ci/run's is in the temporary folder jest's global setup replaced by one of the run's
  const tmp = process.env.CDK8S_GITOPS_TEST_TMP ? path.dirname(process.env.CDK8S_GITOPS_TEST_TMP) : os.tmpdir();
  const candidates = [path.dirname(process.execPath), path.join(tmp, 'cdk8s-gitops-ci-node22', 'node_modules', '.bin')];
  return candidates.find(bin => {
    const r = spawnSync(path.join(bin, 'node'), ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' });
    return r.status === 0 && Number(r.stdout.trim()) >= 22;
  });
}

const NODE22 = node22();
if (NODE22 === undefined && !REQUIRED) {
  process.stderr.write('run-templates: SKIPPED, no Node 22 or later (the templates require it; .ci/run installs one)\n');
}
const describeIf = NODE22 === undefined && !REQUIRED ? (name: string, body: (t: any) => void) => describe.skip(name, () => body({})) : describeWithPrometheus;

const git = (cwd: string, env: Record<string, string>, ...args: string[]) => {
  const r = spawnSync('git', args, { cwd, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} (in ${cwd}): ${r.stderr}`);
  return r.stdout;
};

describeIf('the CI templates of examples/, run against local repositories', tools => {
  const TAG = '5d1e3c0ffee5d1e3c0ffee5d1e3c0ffee5d1e3c0'; // replaced by the app repository's commit below
  let root: string;
  let machine: Machine & { log: string[] };
  let stack: Stack | undefined;
  let env: Record<string, string>;
  let stash: string;
  const programs: Record<'reference' | 'init', string> = { reference: '', init: '' };
  const gitopsRepos: Record<'reference' | 'init', string> = { reference: '', init: '' };
  let appRepo: string;
  let flaskRepo: string;
  let sha = TAG;
  let flaskSha = TAG;
  const setup: string[] = [];

  /** Put the kept node_modules into `dir` (a program folder) while `fn` runs. */
  const withModules = <T>(dir: string, fn: () => T): T => {
    const kept = path.join(stash, fs.readdirSync(stash)[0]);
    fs.renameSync(kept, path.join(dir, 'node_modules'));
    try {
      return fn();
    } finally {
      fs.renameSync(path.join(dir, 'node_modules'), kept);
    }
  };

  beforeAll(async () => {
    root = tempDir('templates-run');
    const timed = (what: string, fn: () => void) => { const t = Date.now(); fn(); setup.push(`${what}: ${((Date.now() - t) / 1000).toFixed(1)} s`); };

    const home = path.join(root, 'home');
    fs.mkdirSync(home);
    const gitconfig = path.join(home, '.gitconfig');
    // the runner's machine: no identity (the templates set their own), no signing
    fs.writeFileSync(gitconfig, '[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n[advice]\n\tdetachedHead = false\n');
    stash = path.join(root, 'npm-kept');
    fs.mkdirSync(stash);
    const shim = path.join(root, 'shim');
    fs.mkdirSync(shim);
    fs.writeFileSync(path.join(shim, 'npm'), `#!/bin/sh\nexec "${process.execPath}" "${path.join(__dirname, 'npm-reuse.js')}" "$@"\n`, { mode: 0o755 });
    const realNpm = spawnSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).stdout.trim();
    env = {
      PATH: `${shim}:${process.env.PATH}`, HOME: home, LANG: 'C.UTF-8',
      GIT_CONFIG_GLOBAL: gitconfig, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0',
      npm_config_cache: process.env.npm_config_cache ?? path.join(os.homedir(), '.npm'),
      npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', npm_config_loglevel: 'error',
      RUNNER_REAL_NPM: realNpm, RUNNER_NPM_STASH: stash, RUNNER_NPM_LOG: path.join(root, 'npm.log'), RUNNER_NPM_KEY: REQUIRED ? 'args' : 'lock',
    };
    const person = { ...env, GIT_AUTHOR_NAME: 'Dev', GIT_AUTHOR_EMAIL: 'dev@example.com', GIT_COMMITTER_NAME: 'Dev', GIT_COMMITTER_EMAIL: 'dev@example.com' };

    // the program: a `cdk8s-gitops init` project depending on the packed package, installed offline
    let tarball = '';
    timed('pack', () => { ensureBuilt(); tarball = pack(root); });
    const proto = path.join(root, 'proto', 'program');
    timed('init and npm install (offline)', () => {
      run(process.execPath, [path.join(ROOT, 'bin', 'cdk8s-gitops.js'), 'init', proto], root);
      const manifest = JSON.parse(fs.readFileSync(path.join(proto, 'package.json'), 'utf8'));
      manifest.dependencies['cdk8s-gitops'] = `file:${tarball}`;
      const own = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
      installOffline(proto, manifest, [...Object.keys(manifest.dependencies), ...Object.keys(manifest.devDependencies), ...Object.keys(own.dependencies)].filter(p => p !== 'cdk8s-gitops'));
    });
    if (!REQUIRED) {
      // what a job's npm ci of this lock reuses (npm-reuse.js, key of the lock alone)
      const key = require('crypto').createHash('sha256').update(fs.readFileSync(path.join(proto, 'package-lock.json'))).update('').digest('hex').slice(0, 16);
      fs.renameSync(path.join(proto, 'node_modules'), path.join(stash, key));
    } else {
      fs.renameSync(path.join(proto, 'node_modules'), path.join(stash, 'proto'));
    }

    // the two programs: init's as written, and the reference app (imports from the package)
    for (const which of ['init', 'reference'] as const) {
      const dir = path.join(root, which, 'program');
      fs.cpSync(proto, dir, { recursive: true });
      if (which === 'reference') {
        fs.writeFileSync(path.join(dir, 'main.ts'), fs.readFileSync(path.join(ROOT, 'reference', 'main.ts'), 'utf8').replace(/'\.\.\/src'/g, "'cdk8s-gitops'"));
      }
      // a developer's first `npm test` writes the snapshot; it is committed with the program
      timed(`${which}: npm test (writes the snapshot)`, () => withModules(dir, () => {
        const { CI: _ci, ...local } = env;
        run('npm', ['test', '--silent'], dir, { ...local, PATH: `${NODE22}:${env.PATH}` });
      }));
      programs[which] = dir;
    }

    // the repositories: the GitOps repository of each program, the two app repositories
    const seed = (name: string, files: Record<string, string>, programDir?: string): string => {
      const bare = path.join(root, 'origin', `${name}.git`);
      git(root, env, 'init', '-q', '--bare', bare);
      const work = path.join(root, 'seed', name);
      fs.mkdirSync(work, { recursive: true });
      git(work, env, 'init', '-q', '-b', 'main');
      for (const [f, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(work, f)), { recursive: true });
        fs.writeFileSync(path.join(work, f), text);
      }
      if (programDir) fs.cpSync(programDir, path.join(work, 'program'), { recursive: true });
      git(work, person, 'add', '-A');
      git(work, person, 'commit', '-q', '-m', 'initial');
      if (programDir) {
        // bootstrapped as docs/gitops-delivery.md says: synth into the clone, the program beside it
        timed(`${name}: synth --gitops-dir . (bootstrap)`, () => withModules(path.join(work, 'program'), () => {
          run('npx', ['--prefix', 'program', 'cdk8s-gitops', 'synth', '--gitops-dir', '.', '--app', 'program/main.ts'], work, { ...person, PATH: `${NODE22}:${env.PATH}` });
        }));
        git(work, person, 'add', '-A');
        git(work, person, 'commit', '-q', '-m', 'bootstrap: synth --gitops-dir .');
      }
      git(work, person, 'push', '-q', bare, 'main');
      return bare;
    };
    const gitopsFiles = {
      'README.md': '# GitOps repository\n\nManifests rendered by the program in program/.\n',
      'CODEOWNERS': '* @example-org/platform\n',
      '.github/workflows/validate.yml': fs.readFileSync(GITOPS_WORKFLOW, 'utf8'),
    };
    gitopsRepos.reference = seed('gitops-reference', gitopsFiles, programs.reference);
    gitopsRepos.init = seed('gitops-init', gitopsFiles, programs.init);
    appRepo = seed('ab-testing', { 'README.md': '# the A/B testing platform\n' });
    flaskRepo = seed('flask-app', { 'README.md': '# the Flask app\n', 'app.py': 'print("hello")\n' });
    sha = git(appRepo, env, 'rev-parse', 'main').trim();
    flaskSha = git(flaskRepo, env, 'rev-parse', 'main').trim();
    machine = {
      root: path.join(root, 'jobs'), env, nodeBin: NODE22!, log: [],
      repositories: { 'example-org/ab-testing': appRepo, 'example-org/gitops': gitopsRepos.reference, 'example-org/gitops-init': gitopsRepos.init },
    };
    fs.mkdirSync(machine.root);
    // a real Prometheus scraping the canaries: backend and monitor (GitHub), flask-app (Jenkins),
    // v2 each (started last: the synchronous setup above would hold up its start-up timers)
    const canary = [{ name: 'v2', errorRatio: 0, latency: 0, rps: 80 }];
    const started = Date.now();
    stack = await startStacks(tools, [
      { service: 'backend', namespace: 'demo-prod', versions: canary },
      { service: 'monitor', namespace: 'demo-prod', versions: canary },
      { service: 'flask-app', namespace: 'flask-prod', versions: canary },
    ]);
    setup.push(`Prometheus at ${stack.prometheus}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
    const npmLog = root && fs.existsSync(path.join(root, 'npm.log')) ? fs.readFileSync(path.join(root, 'npm.log'), 'utf8') : '';
    // eslint-disable-next-line no-console
    console.log([
      'CI templates run here; skipped by name (Docker, network, a cluster):',
      ...[...GITHUB_SKIPS].map(([k, v]) => `  delivery.yml ${k}: ${v.why}`),
      ...[...JENKINS_SKIPS].map(([k, v]) => `  Jenkinsfile ${k}: ${v.why}`),
      'setup:', ...setup.map(s => `  ${s}`),
      'npm:', ...npmLog.trim().split('\n').map(s => `  ${s}`),
      'steps:', ...(machine?.log ?? []),
    ].join('\n'));
  }, 20_000);

  const contexts = (repository: string, vars: Record<string, string> = {}): GithubContexts => ({
    github: { sha, repository, ref_name: 'main', event_name: 'push', actor: 'octocat', token: 'test-github-token' },
    vars: { GITOPS_REPO: 'example-org/gitops', PROMETHEUS_URL: stack!.prometheus, ...vars },
    secrets: { GITOPS_TOKEN: 'test-gitops-token', GITHUB_TOKEN: 'test-github-token', KUBECONFIG_DEV: 'apiVersion: v1\nkind: Config\nclusters: []\n' },
  });

  /** Run the jobs of `wf` that run with these contexts, in the file's order (each matrix entry); returns which ran. */
  const runWorkflow = (file: string, wf: Workflow, base: GithubContexts, only?: readonly string[]): string[] => {
    const needs: Record<string, { result: string; outputs: Record<string, string> }> = {};
    const ran: string[] = [];
    for (const id of Object.keys(wf.jobs).filter(j => !only || only.includes(j))) {
      const ctx = { ...base, needs };
      if (!jobRuns(wf, id, ctx)) continue;
      const matrix = (wf.jobs[id].strategy as { matrix?: Record<string, string[]> } | undefined)?.matrix;
      const entries = matrix ? matrix[Object.keys(matrix)[0]].map(v => ({ [Object.keys(matrix)[0]]: v })) : [undefined];
      let outputs: Record<string, string> = {};
      for (const m of entries) outputs = runJob(path.relative(EXAMPLES, file), wf, id, { ...ctx, matrix: m }, machine, GITHUB_SKIPS);
      needs[id] = { result: 'success', outputs };
      ran.push(id);
    }
    return ran;
  };
  const origin = (which: 'reference' | 'init', ...args: string[]) => git(gitopsRepos[which], env, ...args);
  const subjects = (which: 'reference' | 'init', since: string) => origin(which, 'log', '--format=%s', `${since}..main`).trim().split('\n').reverse();
  const releaseFile = (which: 'reference' | 'init', env_: string, rev = 'main') => parse(origin(which, 'show', `${rev}:${env_}/release.yaml`));

  test('every skipped step is one of the templates\' (the names are current)', () => {
    const wf = readWorkflow(APP_WORKFLOW);
    const labels = new Set(Object.entries(wf.jobs).flatMap(([id, j]) => j.steps.map(s => `${id}: ${stepLabel(s)}`)));
    expect([...GITHUB_SKIPS.keys()].filter(k => !labels.has(k))).toEqual([]);
    const text = fs.readFileSync(JENKINSFILE, 'utf8');
    expect([...JENKINS_SKIPS.keys()].filter(k => !text.includes(`stage('${k}')`) && !text.includes(`label: '${k}'`))).toEqual([]);
    // nothing that runs cdk8s-gitops or git is skipped
    for (const [id, j] of Object.entries(wf.jobs)) for (const s of j.steps) {
      if (GITHUB_SKIPS.has(`${id}: ${stepLabel(s)}`)) expect([id, s.run ?? '']).not.toEqual([id, expect.stringMatching(/cdk8s-gitops|\bgit /)]);
    }
  });

  test('delivery.yml on the reference app: test, build, push, release-dev, smoke-test, promote-prod', () => {
    const wf = readWorkflow(APP_WORKFLOW);
    const before = origin('reference', 'rev-parse', 'main').trim();
    const ran = runWorkflow(APP_WORKFLOW, wf, contexts('example-org/ab-testing'));
    expect(ran).toEqual(['test', 'build', 'push', 'release-dev', 'smoke-test', 'promote-prod']);
    expect(subjects('reference', before)).toEqual([`dev: deploy ${sha}`]);
    expect(releaseFile('reference', 'dev').services.backend.v2).toBe(sha);
    // the promotion branch is on the GitOps repository, for the pull request
    expect(releaseFile('reference', 'prod', `promote-${sha}`).services.backend.v2).toBe(sha);
    expect(origin('reference', 'log', '-1', '--format=%an <%ae>', 'main').trim()).toBe('github-actions <github-actions@users.noreply.github.com>');
    // the provenance trailers come from the runner's GITHUB_SHA and GITHUB_REPOSITORY
    const body = origin('reference', 'log', '-1', '--format=%B', 'main');
    expect(body).toContain(sha);
    expect(body).toContain('https://github.com/example-org/ab-testing');
  });

  /** Wait until each canary served `min` requests (the 50% step's gate asks for 200): the wait before an approval. */
  const canariesServed = async (min: number) => {
    const deadline = Date.now() + 60_000;
    const served = () => queryInstant(stack!.prometheus, 'min(sum by (app) (increase(app_requests_total{version="v2"}[10m])))').catch(() => undefined);
    for (let n = await served(); n === undefined || n < min; n = await served()) {
      if (Date.now() > deadline) throw new Error(`the canaries served ${n} requests within 60 s, fewer than ${min}`);
      await new Promise(r => setTimeout(r, 500));
    }
  };

  test('delivery.yml with PROD_ROLLOUT=canary on the reference app: canary-prod, shift-prod-10 and -50 (metrics gate), release-prod', async () => {
    await canariesServed(230);
    const wf = readWorkflow(APP_WORKFLOW);
    const before = origin('reference', 'rev-parse', 'main').trim();
    const ran = runWorkflow(APP_WORKFLOW, wf, contexts('example-org/ab-testing', { PROD_ROLLOUT: 'canary' }),
      ['release-dev', 'smoke-test', 'promote-prod', 'canary-prod', 'shift-prod-10', 'shift-prod-50', 'release-prod']);
    expect(ran).toEqual(['release-dev', 'smoke-test', 'canary-prod', 'shift-prod-10', 'shift-prod-50', 'release-prod']);
    expect(subjects('reference', before)).toEqual([
      `prod: canary ${sha}`, 'prod: shift backend, monitor v2=10%', 'prod: shift backend, monitor v2=50%', `prod: deploy ${sha}`,
    ]);
    const gates = origin('reference', 'log', '--format=%(trailers:key=Cdk8s-gitops-gate,valueonly)', `${before}..main`).trim().split('\n').filter(Boolean);
    expect(gates).toEqual(expect.arrayContaining([expect.stringMatching(/^gate passed: backend v2 in demo-prod over the last 10m/), expect.stringMatching(/^gate passed: monitor v2 in demo-prod/)]));
    const prod = releaseFile('reference', 'prod');
    expect(prod.services.backend.v2).toBe(sha);
    expect(prod.weights).toBeUndefined();
  });

  test('validate.yml of the GitOps repository passes on the reference app\'s repository after all of it', () => {
    const wf = readWorkflow(GITOPS_WORKFLOW);
    expect(runWorkflow(GITOPS_WORKFLOW, wf, contexts('example-org/gitops'))).toEqual(['validate']);
  });

  test('the Jenkinsfile on the reference app: release to dev and the merge request\'s branch, then the canary in gated steps', () => {
    const text = fs.readFileSync(JENKINSFILE, 'utf8');
    const before = origin('reference', 'rev-parse', 'main').trim();
    const jenkins = (rollout: string): JenkinsRun => ({
      branch: 'main', params: { PROD_ROLLOUT: rollout }, scm: flaskRepo, scmUrl: 'https://gitlab.com/ofirjean/flask-app.git',
      credentials: { 'gitops-gitlab': { user: 'jenkins-bot', password: 'test-gitlab-token' }, 'dockerhub': { user: 'bot', password: 'test-docker-password' } },
      // the GitOps repository's URL reaches the local one through the agent's git config (below)
      environment: { PROMETHEUS_URL: stack!.prometheus },
    });
    // the agent: the GitOps repository's https URL is the local bare repository
    fs.appendFileSync(env.GIT_CONFIG_GLOBAL, `[url "${gitopsRepos.reference}"]\n\tinsteadOf = https://gitlab.com/ofirjean/gitops.git\n`);
    runJenkinsfile(path.relative(EXAMPLES, JENKINSFILE), text, jenkins('promote'), machine, JENKINS_SKIPS);
    expect(subjects('reference', before)).toEqual([`dev: deploy ${flaskSha}`]);
    expect(releaseFile('reference', 'prod', `promote-${flaskSha}`).services['flask-app'].v2).toBe(flaskSha);
    const mid = origin('reference', 'rev-parse', 'main').trim();
    runJenkinsfile(path.relative(EXAMPLES, JENKINSFILE), text, jenkins('canary'), machine, JENKINS_SKIPS);
    expect(subjects('reference', mid)).toEqual([`prod: canary ${flaskSha}`, 'prod: shift flask-app v2=10%', 'prod: shift flask-app v2=50%', `prod: deploy ${flaskSha}`]);
    expect(origin('reference', 'log', '-1', '--format=%an <%ae>', 'main').trim()).toBe('jenkins <jenkins@example.com>');
    expect(origin('reference', 'log', '-1', '--format=%B', 'main')).toContain('https://gitlab.com/ofirjean/flask-app.git');
  });

  test('an init project in program/: validate.yml of examples/ (and of the scaffold) passes; delivery.yml releases and promotes its service', () => {
    const ctx = { ...contexts('example-org/gitops-init') };
    expect(runWorkflow(GITOPS_WORKFLOW, readWorkflow(GITOPS_WORKFLOW), ctx)).toEqual(['validate']);
    // the scaffold's own workflow (templates/init/) too where CI asks for every part (5 s more)
    // the GitOps repository's workflow `init` writes (pins filled in, as init renders it)
    if (REQUIRED) expect(runWorkflow(initGitopsWorkflow(), readWorkflow(initGitopsWorkflow()), ctx)).toEqual(['validate']);
    // delivery.yml adapted as docs/ci-templates.md says (its services: web)
    const text = fs.readFileSync(APP_WORKFLOW, 'utf8').replace('--service frontend --service backend --service monitor', '--service web');
    const before = origin('init', 'rev-parse', 'main').trim();
    const ran = runWorkflow(APP_WORKFLOW, readWorkflow(APP_WORKFLOW, text), contexts('example-org/ab-testing', { GITOPS_REPO: 'example-org/gitops-init' }), ['release-dev', 'promote-prod']);
    expect(ran).toEqual(['release-dev', 'promote-prod']);
    expect(subjects('init', before)).toEqual([`dev: deploy ${sha}`]);
    expect(releaseFile('init', 'prod', `promote-${sha}`).services.web.v2).toBe(sha);
  });
});
