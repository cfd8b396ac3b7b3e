import { main } from '../../src/cli/main';
import { asksForJson, printCommit } from '../../src/cli/output';

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

describe('-o json on failure', () => {
  test('asksForJson: every spelling of -o json before --, nothing else', () => {
    for (const argv of [['-o', 'json'], ['-ojson'], ['-o=json'], ['--output', 'json'], ['--output=json'], ['--json'], ['--env', 'dev', '-o', 'json']]) expect({ argv, json: asksForJson(argv) }).toEqual({ argv, json: true });
    for (const argv of [[], ['-o', 'text'], ['--', '-o', 'json'], ['-o'], ['--output=sarif']]) expect({ argv, json: asksForJson(argv) }).toEqual({ argv, json: false });
  });

  test('a failed command prints a JSON error object on stdout (and its message on stderr), with the exit code', async () => {
    const run = async (...argv: string[]) => {
      let stderr = '';
      const err = jest.spyOn(process.stderr, 'write').mockImplementation(s => { stderr += String(s); return true; });
      try {
        let code = -1;
        const stdout = await stdoutOfAsync(async () => { code = await main(argv); });
        return { code, stdout, stderr };
      } finally {
        err.mockRestore();
      }
    };
    const usage = await run('release', '--gitops-dir', '/nonexistent', '--env', 'dev', '--tag', 'latest', '-o', 'json');
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stdout)).toEqual({ error: { command: 'release', message: expect.stringContaining('latest'), exitCode: 2 } });
    expect(usage.stderr).toContain('cdk8s-gitops release: ');
    const failed = await run('status', '--gitops-dir', '/nonexistent', '-o', 'json');
    expect(failed.code).not.toBe(0);
    expect(JSON.parse(failed.stdout).error).toMatchObject({ command: 'status', exitCode: failed.code });
    expect((await run('status', '--gitops-dir', '/nonexistent')).stdout).toBe('');
  });
});

/** What `f` writes to stdout while it runs. */
async function stdoutOfAsync(f: () => Promise<void>): Promise<string> {
  const chunks: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation(chunk => { chunks.push(String(chunk)); return true; });
  try {
    await f();
  } finally {
    spy.mockRestore();
  }
  return chunks.join('');
}
