import { argoGlobMatch, ArgoDestination, compileArgoGlob, isDestinationPermitted, isSourcePermitted, normalizeGitUrl } from '../../src/validate/argocd-glob';

/*
 * The tables below are Argo CD's own test cases, copied case by case (the Go structs written as
 * arrays), so that validate answers as Argo CD does:
 *   - argoproj/argo-cd util/glob/glob_test.go: Test_Match, Test_GlobCacheKeyIncludesSeparators
 *   - argoproj/argo-cd pkg/apis/application/v1alpha1/types_test.go:
 *     TestAppProject_IsSourcePermitted, TestAppProject_IsNegatedSourcePermitted,
 *     TestAppProject_IsDestinationPermitted, TestAppProject_IsNegatedDestinationPermitted
 */

describe("Argo CD's util/glob (gobwas/glob)", () => {
  // Test_Match: [name, input, pattern, result]
  test.each([
    ['Exact match', 'hello', 'hello', true],
    ['Non-match exact', 'hello', 'hell', false],
    ['Long glob match', 'hello', 'hell*', true],
    ['Short glob match', 'hello', 'h*', true],
    ['Glob non-match', 'hello', 'e*', false],
    ['Invalid pattern', 'e[[a*', 'e[[a*', false],
  ] as const)('Test_Match: %s', (_, input, pattern, result) => {
    expect(argoGlobMatch(pattern, input, '')).toBe(result);
  });

  test('Test_MatchWithError: an invalid pattern is an error ("unexpected end of input")', () => {
    expect(compileArgoGlob('e[[a*', '')).toEqual({ error: expect.stringContaining('unexpected end of input') });
    expect(compileArgoGlob('hell*', '')).toEqual({ re: expect.any(RegExp) });
  });

  test('Test_GlobCacheKeyIncludesSeparators: without separators "*" matches "/", with "/" it does not', () => {
    expect(argoGlobMatch('a*b', 'a/b', '')).toBe(true);
    expect(argoGlobMatch('a*b', 'a/b', '/')).toBe(false);
  });

  // gobwas/glob's syntax as its README describes it (cases of our own): [pattern, separators, text, result]
  test.each([
    ['*.github.com', '', 'api.github.com', true],
    ['a?c', '/', 'abc', true],
    ['a?c', '/', 'a/c', false],
    ['a?c', '', 'a/c', true],
    ['a**', '/', 'a/b/c', true],
    ['[abc]x', '/', 'bx', true],
    ['[!abc]x', '/', 'bx', false],
    ['[!abc]x', '/', 'dx', true],
    ['[a-c]x', '/', 'cx', true],
    ['[!a-c]x', '/', 'cx', false],
    ['{cat,bat,[fr]at}', '/', 'rat', true],
    ['{cat,bat,[fr]at}', '/', 'mat', false],
    ['{a,b*}/c', '/', 'bzz/c', true],
    ['\\*x', '/', '*x', true],
    ['\\*x', '/', 'ax', false],
    ['1.2', '/', '1x2', false],
    ['a,b}', '/', 'a,b}', true],
  ] as const)('%j with separators %j against %j: %s', (pattern, separators, text, result) => {
    expect(argoGlobMatch(pattern, text, separators)).toBe(result);
  });

  test.each(['e[[a*', 'a{b,c', 'x\\', '[]', '[z-a]'])('%j does not compile', pattern => {
    expect(compileArgoGlob(pattern, '/')).toHaveProperty('error');
    expect(argoGlobMatch(pattern, pattern, '/')).toBe(false);
  });
});

describe('AppProject sourceRepos (IsSourcePermitted)', () => {
  // TestAppProject_IsSourcePermitted and TestAppProject_IsNegatedSourcePermitted: [projSources, appSource, isPermitted]
  test.each([
    [['*'], 'https://github.com/argoproj/test.git', true],
    [['https://github.com/argoproj/test.git'], 'https://github.com/argoproj/test.git', true],
    [['ssh://git@GITHUB.com:argoproj/test'], 'ssh://git@github.com:argoproj/test', true],
    [['https://github.com/argoproj/*'], 'https://github.com/argoproj/argoproj.git', true],
    [['https://github.com/test1/test.git', 'https://github.com/test2/test.git'], 'https://github.com/test2/test.git', true],
    [['https://github.com/argoproj/test1.git'], 'https://github.com/argoproj/test2.git', false],
    [['https://github.com/argoproj/*.git'], 'https://github.com/argoproj1/test2.git', false],
    [['https://github.com/argoproj/foo'], 'https://github.com/argoproj/foo1', false],
    [['https://gitlab.com/group/*'], 'https://gitlab.com/group/repo/owner', false],
    [['https://gitlab.com/group/*/*'], 'https://gitlab.com/group/repo/owner', true],
    [['https://gitlab.com/group/*/*/*'], 'https://gitlab.com/group/sub-group/repo/owner', true],
    [['https://gitlab.com/group/**'], 'https://gitlab.com/group/sub-group/repo/owner', true],
    // negated
    [['!https://github.com/argoproj/test.git'], 'https://github.com/argoproj/test.git', false],
    [['!ssh://git@GITHUB.com:argoproj/test'], 'ssh://git@github.com:argoproj/test', false],
    [['!https://github.com/argoproj/*'], 'https://github.com/argoproj/argoproj.git', false],
    [['https://github.com/test1/test.git', '!https://github.com/test2/test.git'], 'https://github.com/test2/test.git', false],
    [['!https://github.com/argoproj/foo*'], 'https://github.com/argoproj/foo1', false],
    [['!https://gitlab.com/group/*/*'], 'https://gitlab.com/group/repo/owner', false],
    [['!https://gitlab.com/group/*/*/*'], 'https://gitlab.com/group/sub-group/repo/owner', false],
    [['!https://gitlab.com/group/**'], 'https://gitlab.com/group/sub-group/repo/owner', false],
    [['*'], 'https://github.com/argoproj/test.git', true],
    [['https://github.com/argoproj/test1.git', '*'], 'https://github.com/argoproj/test2.git', true],
    [['!https://github.com/argoproj/*.git', '*'], 'https://github.com/argoproj1/test2.git', true],
  ] as const)('%j permits %j: %s', (sources, url, permitted) => {
    expect(isSourcePermitted(sources, url)).toBe(permitted);
  });

  test('the issue\'s case: "https://github.com/org/*" does not let org/team/repo through', () => {
    expect(isSourcePermitted(['https://github.com/org/*'], 'https://github.com/org/team/repo')).toBe(false);
    expect(isSourcePermitted(['https://github.com/org/*'], 'https://github.com/org/repo')).toBe(true);
  });

  test('git URLs normalized as Argo CD\'s NormalizeGitURL does', () => {
    expect(normalizeGitUrl(' https://GitHub.com/Org/Repo.git ')).toBe('https://github.com/org/repo');
    expect(normalizeGitUrl('git@github.com:org/repo.git')).toBe('git@github.com/org/repo');
    expect(normalizeGitUrl('ssh://git@github.com/org/repo')).toBe('git@github.com/org/repo');
    expect(normalizeGitUrl('https://github.com/org/repo/')).toBe('https://github.com/org/repo/');
    expect(normalizeGitUrl('https://github.com/org/{a,b}')).toBe('https://github.com/org/%7Ba,b%7D');
    expect(normalizeGitUrl('https://github.com/org/[ab]*')).toBe('https://github.com/org/[ab]*');
  });
});

describe('AppProject destinations (isDestinationMatched)', () => {
  const svc = 'https://kubernetes.default.svc';
  const d = (server: string, namespace: string, name?: string): ArgoDestination => ({ server, namespace, ...name === undefined ? {} : { name } });
  // TestAppProject_IsDestinationPermitted and TestAppProject_IsNegatedDestinationPermitted: [projDest, appDest, isPermitted]
  test.each([
    [[d(svc, 'default')], d(svc, 'default'), true],
    [[d(svc, 'default')], d(svc, 'kube-system'), false],
    [[d('https://my-cluster', 'default')], d(svc, 'default'), false],
    [[d(svc, '*')], d(svc, 'kube-system'), true],
    [[d('https://*.default.svc', 'default')], d(svc, 'default'), true],
    [[d('https://team1-*', 'default')], d('https://test2-dev-cluster', 'default'), false],
    [[d(svc, 'test-*')], d(svc, 'test-foo'), true],
    [[d(svc, 'test-*')], d(svc, 'test'), false],
    [[d('*', '*')], d(svc, 'test'), true],
    [[d('', '*', 'test')], { name: 'test', namespace: 'test' }, true],
    [[d('', '*', 'test2')], { name: 'test', namespace: 'test' }, false],
    // negated
    [[d(`!${svc}`, 'default')], d(svc, 'default'), false],
    [[d(svc, '!default')], d(svc, 'kube-system'), true],
    [[d('!https://my-cluster', 'default')], d(svc, 'default'), true],
    [[d(`!${svc}`, '*')], d(svc, 'kube-system'), false],
    [[d('!https://*.default.svc', 'default')], d(svc, 'default'), false],
    [[d('!https://team1-*', 'default')], d('https://test2-dev-cluster', 'default'), true],
    [[d(svc, '!test-*')], d(svc, 'test-foo'), false],
    [[d(svc, '!test-*')], d(svc, 'test'), true],
    [[d('', '*', '!test')], { name: 'test', namespace: 'test' }, false],
    [[d('', '*', '!test2')], { name: 'test', namespace: 'test' }, true],
    [[d('*', 'kube-system'), d('*', '!kube-system')], d(svc, 'kube-system'), false],
    [[d('*', '*'), d('*', '!kube-system')], d(svc, 'kube-system'), false],
    [[d(svc, '*'), d(`!${svc}`, '*')], d(svc, 'kube-system'), false],
    [[d('*', '*'), d(`!${svc}`, 'kube-system')], d(svc, 'kube-system'), false],
    [[d('*', '*'), d(`!${svc}`, 'kube-system'), d('*', '!kube-system')], d(svc, 'kube-system'), false],
    [[d('*', '*'), d(`!${svc}`, 'kube-system'), d('*', '!kube-system')], d(svc, 'default'), false],
    [[d('*', '*'), d(`!${svc}`, 'kube-system'), d('*', '!kube-system')], d('https://test-dev-cluster', 'kube-system'), false],
    [[d('', '*', 'test'), d('', '*', '!test')], { name: 'test', namespace: 'test' }, false],
  ] as const)('%j permits %j: %s', (destinations, dest, permitted) => {
    expect(isDestinationPermitted(destinations, dest)).toBe(permitted);
  });

  test('"?", "[...]" and "{a,b}" work in destinations; no separator, so "*" crosses "/"', () => {
    expect(isDestinationPermitted([d(svc, 'team-{a,b}')], d(svc, 'team-b'))).toBe(true);
    expect(isDestinationPermitted([d(svc, 'team-{a,b}')], d(svc, 'team-c'))).toBe(false);
    expect(isDestinationPermitted([d(svc, 'team-[0-9]?')], d(svc, 'team-7x'))).toBe(true);
    expect(isDestinationPermitted([d('https://*', 'x')], d('https://cluster.example/path', 'x'))).toBe(true);
  });
});
