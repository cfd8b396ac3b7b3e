import { GitOpsError } from '../../src/core/errors';
import { OWNERSHIP_RECORD, outputPathProblem, parseOwnershipRecord, renderOwnershipRecord } from '../../src/git/ownership-record';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

test('the record is .cdk8s-gitops-files', () => {
  expect(OWNERSHIP_RECORD).toBe('.cdk8s-gitops-files');
});

describe('outputPathProblem', () => {
  test.each([
    ['dev/app/deployment.yaml'],
    ['release.yaml'],
    ['a.b/.hidden/..x/x..'],
    ['dev/.cdk8s-gitops-files'], // reserved only at the top
    ['dev/.gitignore'],
  ])('%j may be written', rel => {
    expect(outputPathProblem(rel)).toBeUndefined();
  });

  test.each([
    ['', 'is not a relative path'],
    ['/etc/passwd', 'is not a relative path'],
    ['dev//a.yaml', 'has an empty, "." or ".." segment'],
    ['dev/', 'has an empty, "." or ".." segment'],
    ['./a.yaml', 'has an empty, "." or ".." segment'],
    ['dev/./a.yaml', 'has an empty, "." or ".." segment'],
    ['../a.yaml', 'has an empty, "." or ".." segment'],
    ['dev/../../a.yaml', 'has an empty, "." or ".." segment'],
    ['dev/a\u0000.yaml', 'holds a control character or a backslash'],
    ['dev/a\n.yaml', 'holds a control character or a backslash'],
    ['dev/a\u001f.yaml', 'holds a control character or a backslash'],
    ['dev/a\u007f.yaml', 'holds a control character or a backslash'],
    ['dev\\a.yaml', 'holds a control character or a backslash'],
    ['.git/config', 'is inside .git'],
    ['dev/.GIT/hooks/pre-commit', 'is inside .git'],
    ['dev/.Git', 'is inside .git'],
    ['.cdk8s-gitops-files', 'is reserved for synth\'s own files (.cdk8s-gitops*)'],
    ['.cdk8s-gitops-staging/x.yaml', 'is reserved for synth\'s own files (.cdk8s-gitops*)'],
  ])('%j %s', (rel, problem) => {
    expect(outputPathProblem(rel)).toBe(problem);
  });

  test('a path with characters outside the control range is fine', () => {
    expect(outputPathProblem('dev/a\u0020b\u0080.yaml')).toBeUndefined();
  });
});

describe('renderOwnershipRecord', () => {
  test('the header, then one line per file sorted in code-unit order', () => {
    const text = renderOwnershipRecord(new Map([['b.yaml', B], ['a/z.yaml', A], ['B.yaml', A], ['a.yaml', B]]));
    expect(text).toBe(`# Files written by cdk8s-gitops synth, which replaces or removes only these (and only while
# they hold what it wrote). One per line: git blob id of the content, space, path. Do not edit.
${A} B.yaml
${B} a.yaml
${A} a/z.yaml
${B} b.yaml
`);
  });

  test('parse reads back what render wrote', () => {
    const files = new Map([['x/y.yaml', A], ['z.yaml', B]]);
    expect(parseOwnershipRecord(renderOwnershipRecord(files), 'f')).toEqual(files);
  });
});

describe('parseOwnershipRecord', () => {
  const error = (text: string) => {
    try {
      parseOwnershipRecord(text, 'out/.cdk8s-gitops-files');
    } catch (e) {
      expect(e).toBeInstanceOf(GitOpsError);
      return (e as Error).message;
    }
    throw new Error('parsed');
  };
  const advice = '; synth writes this file: restore it (e.g. git checkout -- .cdk8s-gitops-files), or delete it and run synth once with --force';

  test('skips comment lines; the last line needs no newline', () => {
    expect(parseOwnershipRecord(`# a\n${A} a.yaml\n#${B} b.yaml\n${B} b.yaml`, 'f')).toEqual(new Map([['a.yaml', A], ['b.yaml', B]]));
    expect(parseOwnershipRecord('', 'f')).toEqual(new Map());
    expect(parseOwnershipRecord('# only a comment\n', 'f')).toEqual(new Map());
  });

  test('a path may hold spaces', () => {
    expect(parseOwnershipRecord(`${A} a b.yaml\n`, 'f')).toEqual(new Map([['a b.yaml', A]]));
  });

  test.each([
    [`${A} /a.yaml`, 2, 'names a path that is not a relative path'],
    [`${A} ./a.yaml`, 2, 'names a path that has an empty, "." or ".." segment'],
    [`${A} .git/config`, 2, 'names a path that is inside .git'],
  ])('%j: refused, naming the line and the problem', (line, n, problem) => {
    expect(error(`# header\n${line}\n`)).toBe(`out/.cdk8s-gitops-files line ${n}: ${JSON.stringify(line)} ${problem}${advice}`);
  });

  test.each([
    [`x${A} a.yaml`],
    [`${A.toUpperCase()} a.yaml`],
    [`${A.slice(1)} a.yaml`],
    [`${A}`],
    [`${A} `],
    [`${A}\ta.yaml`],
    [`${A} a\u2028b.yaml`], // `.` stops at a line separator: the whole line must match
    [''],
  ])('%j: not a record line', line => {
    expect(error(`${A} ok.yaml\n${line}\n`)).toBe(`out/.cdk8s-gitops-files line 2: ${JSON.stringify(line)} is not "<40-hex-digit git blob id> <path>"${advice}`);
  });

  test('a path named twice is refused', () => {
    expect(error(`${A} a.yaml\n${B} a.yaml\n`)).toBe(`out/.cdk8s-gitops-files line 2: ${JSON.stringify(`${B} a.yaml`)} names a path twice${advice}`);
  });

  test('a long line is quoted by its first 200 characters', () => {
    const line = `${A} ${'x/'.repeat(200)}`;
    expect(error(`${line}\n`)).toBe(`out/.cdk8s-gitops-files line 1: ${JSON.stringify(line.slice(0, 200))} names a path that has an empty, "." or ".." segment${advice}`);
  });
});
