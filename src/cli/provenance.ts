/**
 * The `--source-commit` / `--source-repo` flags of the commands that commit (release, promote,
 * rollback, shift) and the provenance they write into each commit (see `Provenance`).
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { Provenance, sourceProvenance } from '../gitops/commit-message';
import { packageInfo } from '../package-info';
import { OptionTable, OptionValues } from './args';

/** The provenance flags. */
export const PROVENANCE_OPTIONS: OptionTable = {
  'source-commit': { type: 'string' },
  'source-repo': { type: 'string' },
};

/**
 * Their lines in a command's help: the default is the CI's variables (`fromCi`, release), or
 * the source of the release the command adopts (promote, rollback).
 */
export function provenanceHelp(fromCi: boolean): string {
  return `  --source-commit SHA  commit the image was built from, written as a trailer of the commit
                     (default: ${fromCi ? "the CI's GITHUB_SHA, CI_COMMIT_SHA or GIT_COMMIT" : 'the one recorded with the release it adopts'})
  --source-repo URL  repository of that commit (default: ${fromCi ? "the CI's repository URL" : 'likewise'})`;
}

/**
 * The provenance of a commit this run makes: the source flags (else, when `fromCi`, the CI's
 * variables), the commit of the program (`git rev-parse HEAD` where the program module
 * `program` is, `-dirty` when it has uncommitted changes there) and this tool's version.
 */
export function provenanceFor(values: OptionValues, fromCi: boolean, program: string): Provenance {
  const flags = { sourceCommit: values['source-commit'] as string | undefined, sourceRepository: values['source-repo'] as string | undefined };
  return {
    ...sourceProvenance(flags, fromCi ? process.env : {}),
    programCommit: programCommit(path.dirname(program)),
    tool: `cdk8s-gitops ${packageInfo().version}`,
  };
}

/** The commit the program in `dir` is at, or undefined outside a git working tree. */
function programCommit(dir: string): string | undefined {
  const git = (...args: string[]) => spawnSync('git', ['-C', dir, ...args], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0' } });
  const head = git('rev-parse', '-q', '--verify', 'HEAD^{commit}');
  if (head.status !== 0) return undefined;
  const status = git('--no-optional-locks', 'status', '--porcelain', '--untracked-files=no', '--', '.');
  return `${head.stdout.trim()}${status.status === 0 && status.stdout.trim() !== '' ? '-dirty' : ''}`;
}
