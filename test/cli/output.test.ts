import { printCommit } from '../../src/cli/output';

/** What `f` writes to stdout. */
function stdoutOf(f: () => void): string {
  const chunks: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation(chunk => { chunks.push(String(chunk)); return true; });
  try {
    f();
  } finally {
    spy.mockRestore();
  }
  return chunks.join('');
}

const SHA = '0123456789abcdef0123456789abcdef01234567';

describe('printCommit (the text report of release, rollback and shift)', () => {
  test('the commit, a line per change, the files changed; the attempts only after a retry', () => {
    expect(stdoutOf(() => printCommit({ commit: SHA, message: 'dev: deploy abc', pushed: false, changedFiles: ['a', 'b'], attempts: 1 }, ['backend v2: 1 -> 2', 'frontend: 1 -> 2'])))
      .toBe('[0123456789ab] dev: deploy abc\n  backend v2: 1 -> 2\n  frontend: 1 -> 2\n2 file(s) changed\n');
    expect(stdoutOf(() => printCommit({ commit: SHA, message: 'prod: shift backend v2=10%', pushed: true, changedFiles: ['a'], attempts: 3 }, [])))
      .toBe('[0123456789ab] prod: shift backend v2=10% (pushed)\n1 file(s) changed, after 3 attempts\n');
  });

  test('a note goes before "(pushed)"; without changed files there is no count', () => {
    expect(stdoutOf(() => printCommit({ commit: SHA, message: 'dev: rollback to 1', pushed: true }, ['backend: 2 -> 1'], ' (release of fedcba987654)')))
      .toBe('[0123456789ab] dev: rollback to 1 (release of fedcba987654) (pushed)\n  backend: 2 -> 1\n');
  });
});
