/**
 * The flags every command that changes the GitOps repository shares (release, promote, rollback,
 * shift) and the `RepositoryOptions` they give: the clone, pushing, the program, provenance,
 * and notes (push retries, a stale lock removed) on stderr.
 */
import type { RepositoryOptions } from '../gitops/repository';
import { appModulePath, loadAppFactory } from './app-module';
import { count, OptionTable, OptionValues, required } from './args';
import { PROVENANCE_OPTIONS, provenanceFor } from './provenance';

/** `--gitops-dir`, `--push`, `--remote`, `--app` and the provenance flags. */
export const REPOSITORY_OPTIONS: OptionTable = {
  'gitops-dir': { type: 'string' },
  'push': { type: 'boolean' },
  'remote': { type: 'string' },
  'app': { type: 'string' },
  ...PROVENANCE_OPTIONS,
};

/** `--retries N`, of the commands that re-render onto the new tip when a push is rejected (not promote). */
export const RETRIES_OPTION: OptionTable = { retries: { type: 'string' } };

/**
 * The repository options the flags give. It loads the program: call it inside the command's
 * progress phase, after the command's own flags are checked.
 *
 * @param fromCi whether the provenance defaults to the CI's variables (see `provenanceFor`)
 * @throws UsageError for a missing `--gitops-dir`, a bad `--retries` or no program to load
 */
export function repositoryOptions(values: OptionValues, fromCi: boolean): RepositoryOptions {
  const dir = required(values['gitops-dir'], '--gitops-dir');
  const retries = count(values.retries, '--retries');
  const program = appModulePath(values.app as string | undefined);
  return {
    dir,
    push: Boolean(values.push),
    remote: values.remote as string | undefined,
    retries,
    createApp: loadAppFactory(program),
    provenance: provenanceFor(values, fromCi, program),
    log: line => process.stderr.write(`${line}\n`),
  };
}
