/**
 * Provenance in every commit: release, promote and rollback write where a change comes from as
 * git trailers (the image's source repository and commit, the program's commit, the tool), read
 * back here with git's own parser (`git interpret-trailers --parse`); `status` shows them.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { provenanceFor } from '../../src/cli/provenance';
import { inheritSource, PROVENANCE_TRAILERS, provenanceOf, renderCommitMessage, sourceProvenance } from '../../src/git/commit-message';
import { status } from '../../src/gitops/status-flow';
import { packageInfo } from '../../src/core/package-info';
import { createApp } from './fixture-app';
import { cleanup, cli, commitTrailers, FIXTURE_APP, git, isolateGit, seedRepo, spawnCli, tmpdir } from './helpers';

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

describe('credentials never reach a commit or the output', () => {
  const SECRET = 's3cr3t-Pa55';

  test('CI repository URLs WHATWG URL() does not parse, scp-like ones and tokens in the query are reduced to scheme, host and path', async () => {
    const { clone } = seedRepo(createApp);
    const cases: Array<[string, string]> = [
      [`https://ci-bot:${SECRET} x@git.example.com/org/app.git`, 'https://git.example.com/org/app.git'],
      [`https://ci-bot:${SECRET}@git.example.com:99999/org/app.git`, 'https://git.example.com:99999/org/app.git'],
      [`deploy:${SECRET}@git.example.com:org/app.git`, 'git.example.com:org/app.git'],
      [`https://git.example.com/org/app.git?private_token=${SECRET}`, 'https://git.example.com/org/app.git'],
    ];
    let tag = 2;
    for (const [url, written] of cases) {
      expect(() => new URL(url.replace(' x', ''))).not.toThrow(/never/); // (some parse, some do not: all are redacted alike)
      const r = await spawnCli(['release', '--gitops-dir', clone, '--env', 'dev', '--tag', `1.${tag++}.0`, '--app', FIXTURE_APP], { env: { GIT_COMMIT: SOURCE, GIT_URL: url } });
      expect({ url, code: r.code, stderr: r.stderr }).toEqual({ url, code: 0, stderr: '' });
      expect(trailers(clone)['Argocd-reference-commit-repourl']).toBe(written);
      expect(git(clone, 'log', '-1', '--format=%B')).not.toContain(SECRET);
      const text = await cli('status', '--gitops-dir', clone);
      const json = await cli('status', '--gitops-dir', clone, '-o', 'json');
      expect(text.stdout + json.stdout).not.toContain(SECRET);
      expect(text.stdout).toContain(`source ${written} @ ${SOURCE}`);
    }
  });

  test('a repository URL refused shows its redacted form, never the password', async () => {
    const { clone } = seedRepo(createApp);
    const r = await cli('release', '--gitops-dir', clone, '--env', 'dev', '--tag', '1.1.0', '--app', FIXTURE_APP, '--source-commit', SOURCE, '--source-repo', `https://bot:${SECRET}@git.example.com/org/my app`);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--source-repo: "https://git.example.com/org/my app" is not a repository URL (shown without credentials, query or fragment; a URL holds no space or control character)');
    expect(r.stderr).not.toContain(SECRET);
    const esc = await spawnCli(['release', '--gitops-dir', clone, '--env', 'dev', '--tag', '1.1.0', '--app', FIXTURE_APP], { env: { GIT_COMMIT: SOURCE, GIT_URL: 'https://git.example.com/org/app\u001b]0;x\u0007' } });
    expect(esc.code).toBe(2);
    expect(esc.stderr).toContain('the CI\'s repository variable: "https://git.example.com/org/app\\u001b]0;x\\u0007" is not a repository URL');
    expect(esc.stderr).not.toMatch(/[\u0007\u001b]/);
  });

  test('status shows what another tool committed without its credentials or control characters, in text and JSON', async () => {
    const { clone } = seedRepo(createApp);
    fs.appendFileSync(path.join(clone, 'dev', 'release.yaml'), '# edited by hand\n');
    git(clone, 'add', '-A');
    git(clone, 'commit', '-q', '-m', `dev: \u001b[2J\u001b]0;owned\u0007hand edit \u009b31m\n\nArgocd-reference-commit-repourl: https://u:${SECRET}@git.example.com/org/app?t=${SECRET}\nArgocd-reference-commit-sha: ${SOURCE}\nCdk8s-gitops-version: x\u001by`);
    const text = await cli('status', '--gitops-dir', clone);
    expect(text.code).toBe(0);
    expect(text.stdout).not.toContain(SECRET);
    expect(text.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(text.stdout).toContain('dev: \\x1b[2J\\x1b]0;owned\\x07hand edit \\x9b31m');
    expect(text.stdout).toContain(`source https://git.example.com/org/app @ ${SOURCE}`);
    const json = await cli('status', '--gitops-dir', clone, '-o', 'json');
    expect(json.stdout).not.toContain(SECRET);
    expect(json.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    const dev = JSON.parse(json.stdout).environments.find((e: any) => e.name === 'dev');
    expect(dev.lastRelease.subject).toBe('dev: \u001b[2J\u001b]0;owned\u0007hand edit \u009b31m');
    expect(dev.lastRelease.provenance.sourceRepository).toBe('https://git.example.com/org/app');
    // a rollback that inherits that source does not carry the credentials on either
    expect(inheritSource(undefined, git(clone, 'log', '-1', '--format=%B'))!.sourceRepository).toBe('https://git.example.com/org/app');
  });

  test('control characters in any value are escapes in the message: no forged trailer, no ESC in git', () => {
    const text = renderCommitMessage({ subject: 'dev: deploy \u001b[31m1.0\nForged: yes', body: 'web: a\u0007 -> b\n\tmore', trailers: [['Rollback-To', `${SOURCE}\nSigned-off-by: Mallory <m@x>`]] },
      { sourceRepository: `https://u:${SECRET}@git.example.com/a\u009b`, sourceCommit: SOURCE, sourceSubject: 'fix\u001b[2J', sourceBody: 'line 1\n\nline 2 \u001b \u009b', tool: 'cdk8s-gitops 0.1.0' });
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(text).not.toContain(SECRET);
    expect(text.split('\n')[0]).toBe('dev: deploy \\x1b[31m1.0\\x0aForged: yes');
    expect(text).toContain('web: a\\x07 -> b\n\tmore');
    const parsed = spawnSync('git', ['interpret-trailers', '--parse'], { input: text, encoding: 'utf8' }).stdout.trim().split('\n');
    expect(parsed.map(l => l.split(':')[0])).toEqual(['Rollback-To', 'Argocd-reference-commit-repourl', 'Argocd-reference-commit-sha', 'Argocd-reference-commit-subject', 'Argocd-reference-commit-body', 'Cdk8s-gitops-version']);
    expect(provenanceOf(text)).toMatchObject({ sourceRepository: 'https://git.example.com/a\\x9b', sourceBody: 'line 1\n\nline 2 \u001b \u009b' });
  });
});

describe('Argo CD\'s six reference-commit trailers', () => {
  /** A program repository with a source commit by an author whose name needs quoting, with a body of several paragraphs. */
  function programRepo(): { dir: string; commit: string } {
    const dir = tmpdir('program');
    git(dir, 'init', '-q', '-b', 'main');
    fs.writeFileSync(path.join(dir, 'main.ts'), 'export {};\n');
    git(dir, 'add', '-A');
    spawnSync('git', ['-C', dir, 'commit', '-q', '-m', 'feat: faster checkout\n\nCache the cart.\n\nSigned-off-by: Ann O\'Neil <ann@example.com>'], {
      env: { ...process.env, GIT_AUTHOR_NAME: 'Doe, Jane "JD" Smith', GIT_AUTHOR_EMAIL: 'jane@example.com', GIT_AUTHOR_DATE: '2026-03-01T09:30:00+01:00' },
    });
    return { dir, commit: git(dir, 'rev-parse', 'HEAD').trim() };
  }

  test('author, date, subject and body come from the source commit in the program\'s repository, as git interpret-trailers parses them', () => {
    const { dir, commit } = programRepo();
    const provenance = provenanceFor({ 'source-commit': commit, 'source-repo': 'https://git.example.com/org/app' }, false, path.join(dir, 'main.ts'));
    expect(provenance).toMatchObject({
      sourceCommit: commit,
      sourceAuthor: '"Doe, Jane \\"JD\\" Smith" <jane@example.com>',
      sourceDate: '2026-03-01T09:30:00+01:00',
      sourceSubject: 'feat: faster checkout',
      sourceBody: 'Cache the cart.\n\nSigned-off-by: Ann O\'Neil <ann@example.com>',
      programCommit: commit,
    });
    const text = renderCommitMessage({ subject: 'dev: deploy 1.0.0', body: 'web: 0.9.0 -> 1.0.0' }, provenance);
    const parsed = spawnSync('git', ['interpret-trailers', '--parse'], { input: text, encoding: 'utf8' }).stdout;
    const byKey = Object.fromEntries(parsed.trim().split('\n').map(l => /^([^:]+): (.*)$/.exec(l)!.slice(1)));
    expect(byKey).toEqual({
      'Argocd-reference-commit-repourl': 'https://git.example.com/org/app',
      'Argocd-reference-commit-sha': commit,
      'Argocd-reference-commit-author': '"Doe, Jane \\"JD\\" Smith" <jane@example.com>',
      'Argocd-reference-commit-date': '2026-03-01T09:30:00+01:00',
      'Argocd-reference-commit-subject': 'feat: faster checkout',
      'Argocd-reference-commit-body': JSON.stringify('Cache the cart.\n\nSigned-off-by: Ann O\'Neil <ann@example.com>'),
      'Cdk8s-gitops-program-commit': commit,
      'Cdk8s-gitops-version': `cdk8s-gitops ${packageInfo().version}`,
    });
    // Argo CD reads the date as RFC 3339 and the body as a JSON string
    expect(byKey['Argocd-reference-commit-date']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/);
    expect(JSON.parse(byKey['Argocd-reference-commit-body'])).toBe(provenance.sourceBody);
    expect(provenanceOf(text)).toMatchObject({ sourceAuthor: provenance.sourceAuthor, sourceDate: provenance.sourceDate, sourceSubject: provenance.sourceSubject, sourceBody: provenance.sourceBody });
  });

  test('a source commit the program\'s repository lacks gets no metadata; one outside a repository neither', () => {
    const { dir } = programRepo();
    expect(provenanceFor({ 'source-commit': OTHER }, false, path.join(dir, 'main.ts'))).not.toHaveProperty('sourceAuthor');
    const bare = tmpdir('no-git');
    const p = provenanceFor({ 'source-commit': OTHER }, false, path.join(bare, 'main.ts'));
    expect(Object.keys(p).filter(k => k.startsWith('source'))).toEqual(['sourceCommit', 'sourceRepository']);
  });

  test('in GitHub Actions, a source commit the checkout lacks takes them from the push event', () => {
    const dir = tmpdir('event');
    const event = path.join(dir, 'event.json');
    fs.writeFileSync(event, JSON.stringify({ head_commit: { id: OTHER, message: 'fix: cart total\r\n\r\nRounds half up.\n', timestamp: '2026-03-02T10:00:00Z', author: { name: 'Jane Doe', email: 'jane@example.com' } } }));
    const saved = { ...process.env };
    try {
      Object.assign(process.env, { GITHUB_SHA: OTHER, GITHUB_REPOSITORY: 'org/app', GITHUB_EVENT_PATH: event });
      expect(provenanceFor({}, true, path.join(dir, 'main.ts'))).toMatchObject({
        sourceCommit: OTHER, sourceAuthor: 'Jane Doe <jane@example.com>', sourceDate: '2026-03-02T10:00:00Z', sourceSubject: 'fix: cart total', sourceBody: 'Rounds half up.',
      });
      // another commit's event, or not from the CI: nothing
      process.env.GITHUB_SHA = SOURCE;
      expect(provenanceFor({}, true, path.join(dir, 'main.ts'))).not.toHaveProperty('sourceSubject');
      expect(provenanceFor({ 'source-commit': OTHER }, false, path.join(dir, 'main.ts'))).not.toHaveProperty('sourceSubject');
    } finally {
      for (const key of ['GITHUB_SHA', 'GITHUB_REPOSITORY', 'GITHUB_EVENT_PATH']) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    }
  });

  test('release writes all six; rollback keeps them with the source it adopts', async () => {
    const { clone } = seedRepo(createApp);
    await cli('release', '--gitops-dir', clone, '--env', 'dev', '--tag', '1.1.0', '--app', FIXTURE_APP, '--source-commit', programHead, '--source-repo', 'https://git.example.com/org/app');
    const [author, date, subject] = spawnSync('git', ['-C', path.dirname(FIXTURE_APP), 'log', '-1', '--format=%an%x00%aI%x00%s', programHead], { encoding: 'utf8' }).stdout.trimEnd().split('\0');
    const t = trailers(clone);
    expect(t).toMatchObject({ 'Argocd-reference-commit-sha': programHead, 'Argocd-reference-commit-date': date, 'Argocd-reference-commit-subject': subject });
    expect(t['Argocd-reference-commit-author']).toContain(author.replace(/["\\]/g, c => `\\${c}`));
    await cli('release', '--gitops-dir', clone, '--env', 'dev', '--tag', '1.2.0', '--app', FIXTURE_APP, '--source-commit', OTHER);
    expect(trailers(clone)).not.toHaveProperty('Argocd-reference-commit-author');
    expect((await cli('rollback', '--gitops-dir', clone, '--env', 'dev', '--app', FIXTURE_APP)).code).toBe(0);
    expect(trailers(clone)).toMatchObject({ 'Argocd-reference-commit-sha': programHead, 'Argocd-reference-commit-date': date, 'Argocd-reference-commit-subject': subject });
  });
});
