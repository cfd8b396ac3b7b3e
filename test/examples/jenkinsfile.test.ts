import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { tempDir } from '../temp-dir';
import { initJenkinsfile } from './init-templates';
import { groovyBlock, JENKINSFILE, jenkinsScripts, jenkinsStage, templateName } from './templates';

const TEXT = fs.readFileSync(JENKINSFILE, 'utf8');
const PIPELINE = groovyBlock(TEXT, TEXT.indexOf('pipeline {'));

/** The directive `name { ... }` of a block (first one), or undefined. */
function directive(block: string, name: string): string | undefined {
  const at = new RegExp(`(^|\\n)\\s*${name}\\s*\\{`).exec(block);
  return at ? groovyBlock(block, at.index) : undefined;
}

/** The top-level stages of a pipeline, with their bodies. */
function topStages(pipeline = PIPELINE): Array<{ name: string; body: string }> {
  const stages = directive(pipeline, 'stages')!;
  const found: Array<{ name: string; body: string }> = [];
  for (let at = 0; ;) {
    const m = /stage\('([^']+)'\)\s*\{/g;
    m.lastIndex = at;
    const hit = m.exec(stages);
    if (!hit) return found;
    const body = groovyBlock(stages, hit.index);
    found.push({ name: hit[1], body });
    at = stages.indexOf(body, hit.index) + body.length + 1;
  }
}

/** The Jenkinsfile of examples/ and the one `init --ci jenkins` writes, with what each must have. */
const JENKINSFILES = [
  {
    file: JENKINSFILE,
    stages: ['Build and release', 'Approve promotion', 'Promote to prod',
      'Approve canary', 'Canary in prod', 'Approve 10%', 'Shift to 10%', 'Approve 50%', 'Shift to 50%', 'Approve full release', 'Release to prod'],
    approvals: ['Approve promotion', 'Approve canary', 'Approve 10%', 'Approve 50%', 'Approve full release'],
    pushing: ['Release to dev', 'Promote to prod', 'Canary in prod', 'Shift to 10%', 'Shift to 50%', 'Release to prod'],
  },
  {
    file: initJenkinsfile(),
    stages: ['Build and release', 'Approve promotion', 'Promote to prod'],
    approvals: ['Approve promotion'],
    pushing: ['Release to dev', 'Promote to prod'],
  },
].map(j => {
  const text = fs.readFileSync(j.file, 'utf8');
  return { ...j, name: templateName(j.file), text, pipeline: groovyBlock(text, text.indexOf('pipeline {')) };
});

/** The `inGitops '''...'''` scripts of a Groovy text. */
const viaInGitops = (text: string) => [...text.matchAll(/\binGitops '''([\s\S]*?)'''/g)].map(m => m[1]);

describe.each(JENKINSFILES)('$name', ({ file, text, pipeline, stages: expectedStages, approvals, pushing }) => {
  test('each approval waits in a stage of its own, outside any agent, with its own timeout', () => {
    expect(pipeline).toMatch(/^\s*agent none\b/);
    const stages = topStages(pipeline);
    expect(stages.map(s => s.name)).toEqual(expectedStages);
    const withInput = stages.filter(s => /\binput\b/.test(s.body));
    expect(withInput.map(s => s.name)).toEqual(approvals);
    for (const { body: approval } of withInput) {
      expect(approval).toMatch(/\n\s*agent none\n/);
      expect(directive(approval, 'options')).toMatch(/timeout\(time: \d+, unit: '(MINUTES|HOURS)'\)/);
    }
    // the stages that use an agent are bounded too
    for (const s of stages.filter(st => !withInput.includes(st))) {
      expect([s.name, /\n\s*agent any\n/.test(s.body), /timeout\(time: \d+, unit: 'MINUTES'\)/.test(directive(s.body, 'options') ?? '')]).toEqual([s.name, true, true]);
    }
  });

  test('only PROD_APPROVERS may answer an approval: every input names it as submitter, set in the Jenkinsfile, not by a build parameter', () => {
    const inputs = [...text.matchAll(/^\s*input\b.*$/gm)].map(m => m[0]);
    expect(inputs).toHaveLength(approvals.length);
    const withSubmitter = /, submitter: env\.PROD_APPROVERS$/;
    for (const line of inputs) expect(line).toMatch(withSubmitter);
    expect(directive(pipeline, 'environment')).toMatch(/^\s*PROD_APPROVERS = '[^'\s][^']*'$/m);
    expect(directive(pipeline, 'parameters') ?? '').not.toContain('PROD_APPROVERS');
    // so the check can fail: an input without a submitter
    expect(inputs[0].replace(withSubmitter, '')).not.toMatch(withSubmitter);
  });

  test('one build at a time, the whole build bounded', () => {
    const options = directive(pipeline, 'options')!;
    expect(options).toMatch(/\bdisableConcurrentBuilds\(\)/);
    expect(options).toMatch(/\btimeout\(time: \d+, unit: '(MINUTES|HOURS)'\)/);
  });

  test('Node 22 or later', () => {
    const tools = [...text.matchAll(/nodejs '([^']+)'/g)].map(m => m[1]);
    // one per stage with an agent, each a Node 22 or later installation
    expect(tools).toHaveLength(expectedStages.length - approvals.length);
    for (const t of tools) expect(Number(/^node-(\d+)$/.exec(t)?.[1])).toBeGreaterThanOrEqual(22);
  });

  test('npm ci runs no install scripts', () => {
    const installs = jenkinsScripts(file).flatMap(s => s.text.match(/npm ci\b[^&|;\n]*/g) ?? []);
    expect(installs.length).toBeGreaterThan(0);
    for (const i of installs) expect(i).toContain('--ignore-scripts');
  });

  test('no token in a URL or a command line: credentials come from withCredentials through a git credential helper', () => {
    // no user info in any URL, no secret variable next to an @ or in git -c
    expect(text).not.toMatch(/:\/\/[^\s'"/]*@/);
    expect(text).not.toMatch(/\$\{?(GIT_TOKEN|GIT_USER|DOCKER_PASS|REGISTRY_PASS)\}?@/);
    expect(text).not.toMatch(/-c\s+\S*\$\{?GIT_TOKEN/);
    // every clone happens inside withCredentials, with the helper: inGitops clones there, and
    // each stage that pushes runs its script through inGitops (no other script pushes)
    const inGitops = groovyBlock(text, text.indexOf('def inGitops('));
    expect(inGitops.trim()).toMatch(/^withCredentials\(\[usernamePassword\(credentialsId: 'gitops-gitlab', usernameVariable: 'GIT_USER', passwordVariable: 'GIT_TOKEN'\)\]\) \{/);
    expect(groovyBlock(inGitops, 0)).toMatch(/^\s*try \{\s*cloneGitops\(\)\s*dir\('gitops'\) \{ sh script \}\s*\} finally \{\s*sh 'rm -rf gitops'\s*\}\s*$/);
    expect([...text.matchAll(/cloneGitops\(\)/g)].length).toBe(2); // its definition and the call in inGitops
    for (const stage of pushing) expect([stage, viaInGitops(jenkinsStage(text, stage)).some(t => t.includes('--push'))]).toEqual([stage, true]);
    expect(viaInGitops(text).filter(t => t.includes('--push'))).toHaveLength(pushing.length);
    expect(jenkinsScripts(file).filter(s => s.text.includes('--push'))).toHaveLength(pushing.length);
    const clone = jenkinsScripts(file).find(s => s.text.includes(' clone '))!.text;
    expect(clone).toMatch(/git -c credential\.helper= -c "credential\.helper=\$helper" clone "https:\/\/\$GITOPS_REPO" gitops/);
  });

  test('the helper gives real git the token from the environment, and no other helper of the agent can store it', () => {
    const clone = jenkinsScripts(file).find(s => s.text.includes(' clone '))!.text;
    const helper = /^\s*helper='([^']*)'$/m.exec(clone)![1];
    expect(clone).toContain("git -C gitops config credential.helper ''\n");
    expect(clone).toContain('git -C gitops config --add credential.helper "$helper"\n');

    // an agent whose global git config stores every credential it sees
    const dir = tempDir('jenkins-helper');
    const store = path.join(dir, 'stored-credentials');
    fs.writeFileSync(path.join(dir, 'gitconfig'), `[credential]\n\thelper = store --file ${store}\n`);
    const git = (cwd: string, args: string[], input?: string) => spawnSync('git', args, {
      cwd, input, encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: dir, GIT_CONFIG_GLOBAL: path.join(dir, 'gitconfig'), GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', GIT_USER: 'jenkins-bot', GIT_TOKEN: 's3cret-token' },
    });
    const request = 'protocol=https\nhost=gitlab.com\npath=ofirjean/gitops.git\n\n';
    const repo = (name: string, reset: boolean) => {
      const r = path.join(dir, name);
      expect(git(dir, ['init', '-q', r]).status).toBe(0);
      if (reset) git(r, ['config', 'credential.helper', '']);
      git(r, ['config', '--add', 'credential.helper', helper]);
      return r;
    };

    const gitops = repo('gitops', true);
    const filled = git(gitops, ['credential', 'fill'], request);
    expect(filled.stdout).toContain('username=jenkins-bot\npassword=s3cret-token\n');
    expect(git(gitops, ['credential', 'approve'], filled.stdout).status).toBe(0);
    expect(fs.existsSync(store)).toBe(false);

    // without the reset the agent's helper writes the token to disk (what the reset prevents)
    const careless = repo('careless', false);
    git(careless, ['credential', 'approve'], git(careless, ['credential', 'fill'], request).stdout);
    expect(fs.readFileSync(store, 'utf8')).toContain('s3cret-token');
  });

  test('the Docker login stays in the workspace and is removed with it', () => {
    const push = jenkinsStage(text, 'Push');
    expect(push).toContain('export DOCKER_CONFIG="$WORKSPACE/.docker"');
    expect(push).toMatch(/docker login -u "\$\w+_USER" --password-stdin/);
    expect(directive(jenkinsStage(text, 'Build and release'), 'post')).toContain("sh 'rm -rf .docker'");
  });
});

describe('the Jenkinsfile of examples/', () => {
  test('the promotion and the canary exclude each other (the PROD_ROLLOUT parameter), each step after its approval', () => {
    const stages = topStages();
    const rollout = (body: string) => /params\.PROD_ROLLOUT (==|!=) 'canary'/.exec(directive(body, 'when') ?? '')?.[1];
    expect(stages.map(s => [s.name, rollout(s.body)])).toEqual([
      ['Build and release', undefined], ['Approve promotion', '!='], ['Promote to prod', '!='],
      ...['Approve canary', 'Canary in prod', 'Approve 10%', 'Shift to 10%', 'Approve 50%', 'Shift to 50%', 'Approve full release', 'Release to prod'].map(n => [n, '==']),
    ]);
    expect(directive(PIPELINE, 'parameters')).toContain("choice(name: 'PROD_ROLLOUT', choices: ['promote', 'canary']");
    const run = (stage: string) => jenkinsScripts(JENKINSFILE, jenkinsStage(TEXT, stage)).map(s => s.text).join('\n');
    expect(run('Canary in prod')).toMatch(/cdk8s-gitops release --gitops-dir \. --env prod --canary\s+--tag "\$TAG" --service "\$SERVICE"[\s\S]*--push/);
    expect(run('Shift to 10%')).toMatch(/cdk8s-gitops shift --gitops-dir \. --env prod --service "\$SERVICE"\s+--weights v2=10 --gate "prometheus=\$PROMETHEUS_URL,[^"]*"[\s\S]*--push/);
    expect(run('Shift to 50%')).toMatch(/--weights v2=50 --gate "prometheus=\$PROMETHEUS_URL,[^"]*"[\s\S]*--push/);
    expect(run('Release to prod')).toMatch(/cdk8s-gitops release --gitops-dir \. --env prod\s+--tag "\$TAG" --service "\$SERVICE"[\s\S]*--push/);
    expect(run('Release to prod')).not.toContain('--canary');
  });
});
