/**
 * Provenance in every commit: release, promote and rollback write where a change comes from as
 * git trailers (the image's source repository and commit, the program's commit, the tool), read
 * back here with git's own parser (`git interpret-trailers --parse`); `status` shows them.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { inheritSource, PROVENANCE_TRAILERS, provenanceOf, renderCommitMessage, sourceProvenance } from '../../src/gitops/commit-message';
import { status } from '../../src/gitops/status-flow';
import { packageInfo } from '../../src/package-info';
import { createApp } from './fixture-app';
import { cleanup, cli, commitTrailers, FIXTURE_APP, git, isolateGit, seedRepo, spawnCli } from './helpers';

beforeAll(isolateGit);
afterAll(cleanup);

const SOURCE = 'a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6a7b8c9d0';
const OTHER = '0123456789abcdef0123456789abcdef01234567';

/** The trailers of a commit's message, as git parses them: key -> value. */
const trailers = (dir: string, rev = 'HEAD'): Record<string, string> =>
  Object.fromEntries(commitTrailers(dir, rev).map(l => /^([^:]+): (.*)$/.exec(l)!.slice(1)));

/** The program's own commit: this project's HEAD (the fixture program lives in it), `-dirty` when it has uncommitted changes. */
const programHead = spawnSync('git', ['-C', path.dirname(FIXTURE_APP), 'rev-parse', 'HEAD'], { encoding: 'utf8' }).stdout.trim();

test('release writes the source commit, its repository, the program commit and the tool as git trailers', async () => {
  const { clone } = seedRepo(createApp);
  const r = await cli('release', '--gitops-dir', clone, '--env', 'dev', '--tag', '1.1.0', '--app', FIXTURE_APP,
    '--source-commit', SOURCE, '--source-repo', 'https://git.example.com/org/app');
  expect(r.code).toBe(0);
  const t = trailers(clone);
  expect(t).toMatchObject({
    'Argocd-reference-commit-repourl': 'https://git.example.com/org/app',
    'Argocd-reference-commit-sha': SOURCE,
    'Cdk8s-gitops-version': `cdk8s-gitops ${packageInfo().version}`,
  });
  expect(t['Cdk8s-gitops-program-commit']).toMatch(new RegExp(`^${programHead}(-dirty)?$`));
  // the subject and the change lines stay as they were
  expect(git(clone, 'log', '-1', '--format=%s')).toBe('dev: deploy 1.1.0\n');
});

test('without flags, the CI\'s variables (GitHub Actions, GitLab CI, Jenkins) are the source; credentials in a URL are dropped', async () => {
  const { clone } = seedRepo(createApp);
  const cases: Array<[NodeJS.ProcessEnv, string, string]> = [
    [{ GITHUB_SHA: SOURCE, GITHUB_REPOSITORY: 'org/app', GITHUB_SERVER_URL: 'https://github.example.com' }, SOURCE, 'https://github.example.com/org/app'],
    [{ CI_COMMIT_SHA: OTHER, CI_PROJECT_URL: 'https://gitlab.example.com/org/app' }, OTHER, 'https://gitlab.example.com/org/app'],
    [{ GIT_COMMIT: SOURCE, GIT_URL: 'https://ci-bot:s3cr3t@git.example.com/org/app.git' }, SOURCE, 'https://git.example.com/org/app.git'],
  ];
  let tag = 2;
  for (const [env, commit, repo] of cases) {
    const r = await spawnCli(['release', '--gitops-dir', clone, '--env', 'dev', '--tag', `1.${tag++}.0`, '--app', FIXTURE_APP], { env });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(trailers(clone)).toMatchObject({ 'Argocd-reference-commit-sha': commit, 'Argocd-reference-commit-repourl': repo });
    expect(git(clone, 'log', '-1', '--format=%B')).not.toContain('s3cr3t');
  }
  // a flag wins over the CI
  expect(sourceProvenance({ sourceCommit: OTHER }, { GITHUB_SHA: SOURCE, GITHUB_REPOSITORY: 'org/app' }))
    .toEqual({ sourceCommit: OTHER, sourceRepository: 'https://github.com/org/app' });
});

test('a bad --source-commit is a usage error and changes nothing', async () => {
  const { clone } = seedRepo(createApp);
  const head = git(clone, 'rev-parse', 'HEAD');
  const r = await cli('release', '--gitops-dir', clone, '--env', 'dev', '--tag', '1.1.0', '--app', FIXTURE_APP, '--source-commit', 'not-a-sha');
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('--source-commit: "not-a-sha" is not a commit id');
  expect(git(clone, 'rev-parse', 'HEAD')).toBe(head);
});

test('promote and rollback keep the source of the release they adopt; status shows it per environment', async () => {
  const { clone } = seedRepo(createApp);
  await cli('release', '--gitops-dir', clone, '--env', 'dev', '--tag', '1.1.0', '--app', FIXTURE_APP, '--source-commit', SOURCE, '--source-repo', 'https://git.example.com/org/app');
  await cli('release', '--gitops-dir', clone, '--env', 'dev', '--tag', '1.2.0', '--app', FIXTURE_APP, '--source-commit', OTHER, '--source-repo', 'https://git.example.com/org/app');

  const p = await cli('promote', '--gitops-dir', clone, '--from', 'dev', '--to', 'prod', '--app', FIXTURE_APP, '-o', 'json');
  expect(p.code).toBe(0);
  const branch = JSON.parse(p.stdout).branch;
  expect(trailers(clone, branch)).toMatchObject({ 'Promoted-From': expect.stringMatching(/^dev@/), 'Argocd-reference-commit-sha': OTHER });

  const rb = await cli('rollback', '--gitops-dir', clone, '--env', 'dev', '--app', FIXTURE_APP);
  expect(rb.code).toBe(0);
  expect(trailers(clone)).toMatchObject({ 'Rollback-To': expect.stringMatching(/^[0-9a-f]{40}$/), 'Argocd-reference-commit-sha': SOURCE });

  const s = status({ dir: clone });
  expect(s.environments.find(e => e.name === 'dev')!.lastRelease!.provenance).toMatchObject({ sourceCommit: SOURCE, sourceRepository: 'https://git.example.com/org/app', tool: `cdk8s-gitops ${packageInfo().version}` });
  expect(s.environments.find(e => e.name === 'prod')!.lastRelease!.provenance).toEqual({});
  const text = await cli('status', '--gitops-dir', clone);
  expect(text.stdout).toContain(`source https://git.example.com/org/app @ ${SOURCE}`);
  const json = JSON.parse((await cli('status', '--gitops-dir', clone, '-o', 'json')).stdout);
  expect(json.environments[0].lastRelease.provenance.sourceCommit).toBe(SOURCE);
});

test('renderCommitMessage writes one trailer block that git parses; provenanceOf reads it back', () => {
  const text = renderCommitMessage({ subject: 'dev: deploy 1.0.0', body: 'web: 0.9.0 -> 1.0.0\n', trailers: [['Rollback-To', SOURCE]] },
    { sourceCommit: SOURCE, sourceRepository: 'https://git.example.com/org/app', programCommit: OTHER, tool: 'cdk8s-gitops 0.1.0' });
  expect(text).toBe(`dev: deploy 1.0.0\n\nweb: 0.9.0 -> 1.0.0\n\nRollback-To: ${SOURCE}\n${PROVENANCE_TRAILERS.sourceRepository}: https://git.example.com/org/app\n`
    + `${PROVENANCE_TRAILERS.sourceCommit}: ${SOURCE}\n${PROVENANCE_TRAILERS.programCommit}: ${OTHER}\n${PROVENANCE_TRAILERS.tool}: cdk8s-gitops 0.1.0\n`);
  const parsed = spawnSync('git', ['interpret-trailers', '--parse'], { input: text, encoding: 'utf8' }).stdout.trim().split('\n');
  expect(parsed).toHaveLength(5);
  expect(provenanceOf(text)).toEqual({ sourceCommit: SOURCE, sourceRepository: 'https://git.example.com/org/app', programCommit: OTHER, tool: 'cdk8s-gitops 0.1.0' });
  expect(renderCommitMessage({ subject: 'x' })).toBe('x\n');
});

test('inheritSource: a commit that adopts a release takes the source its commit records, unless the caller names one', () => {
  const made = renderCommitMessage({ subject: 'dev: deploy 1.2.0' }, { sourceCommit: SOURCE, sourceRepository: 'https://git.example.com/org/app', programCommit: OTHER, tool: 'cdk8s-gitops 0.0.1' });
  // only the source is inherited: the program and the tool are the adopting run's
  expect(inheritSource({ tool: 'cdk8s-gitops 0.1.0' }, made)).toEqual({ tool: 'cdk8s-gitops 0.1.0', sourceCommit: SOURCE, sourceRepository: 'https://git.example.com/org/app' });
  // a source commit given alone does not take the recorded repository (it may be another one)
  expect(inheritSource({ sourceCommit: OTHER }, made)).toEqual({ sourceCommit: OTHER, sourceRepository: undefined });
  expect(inheritSource(undefined, 'dev: deploy 1.2.0\n')).toEqual({ sourceCommit: undefined, sourceRepository: undefined });
  // no commit made the release: the caller's provenance as it is
  expect(inheritSource({ tool: 'cdk8s-gitops 0.1.0' }, undefined)).toEqual({ tool: 'cdk8s-gitops 0.1.0' });
});
