/**
 * The flags every command that changes the GitOps repository shares (release, promote, rollback,
 * shift) and the `RepositoryOptions` they give: the clone, pushing, the program, provenance,
 * and notes (push retries, a stale lock removed) on stderr.
 */
import type { RepositoryOptions } from '../gitops/repository';
import { appModulePath, loadAppFactory } from './app-module';
import { APP_OPTION } from './app-option';
import { count, defineOptions, OptionValuesOf, required } from './args';
import { Progress } from './progress';
import { PROVENANCE_OPTIONS, provenanceFor } from './provenance';

/** `--gitops-dir DIR`: the clone the command changes. */
export const GITOPS_DIR_OPTION = defineOptions({ 'gitops-dir': { type: 'string', value: 'DIR', description: 'clone of the GitOps repository (clean, on a branch)' } });

/** `--push` and `--remote NAME`. */
export const PUSH_OPTIONS = defineOptions({
  push: { type: 'boolean', description: 'push to the remote; when someone pushed first, fetch, re-render\nonto the new tip and push again (bounded retries with backoff)' },
  remote: { type: 'string', value: 'NAME', description: 'remote to push to (default: origin)' },
});

/** `--retries N`, of the commands that re-render onto the new tip when a push is rejected (not promote). */
export const RETRIES_OPTION = defineOptions({ retries: { type: 'string', value: 'N', description: 'retries after rejected pushes (default: 10)' } });

/**
 * `--cluster NAME` of the commands that change one cluster of an environment with clusters
 * (release, shift).
 *
 * @param change what the command does there, before "this cluster" ("release into")
 * @param subject the commit subject after "ENV/NAME: " ("deploy TAG")
 */
export function clusterOption(change: string, subject: string) {
  return defineOptions({
    cluster: {
      type: 'string',
      value: 'NAME',
      description: `${change} this cluster of the environment only (an environment\nwith clusters): "ENV/NAME: ${subject}" changes only ENV/NAME/ and\nthe cluster's entries of release.yaml (default: every cluster)`,
    },
  });
}

/** `--gitops-dir`, `--push`, `--remote`, `--app` and the provenance flags: what {@link repositoryOptions} reads. */
export const REPOSITORY_OPTIONS = defineOptions({
  ...GITOPS_DIR_OPTION,
  ...PUSH_OPTIONS,
  ...APP_OPTION,
  ...PROVENANCE_OPTIONS,
});

/** The values of the repository flags (and `--retries`, where the command has it). */
export type RepositoryValues = OptionValuesOf<typeof REPOSITORY_OPTIONS> & { readonly retries?: string };

/**
 * The repository options the flags give. It loads the program: call it inside the command's
 * progress phase, after the command's own flags are checked.
 *
 * @param fromCi whether the provenance defaults to the CI's variables (see `provenanceFor`)
 * @throws UsageError for a missing `--gitops-dir`, a bad `--retries` or no program to load
 */
export function repositoryOptions(values: RepositoryValues, fromCi: boolean): RepositoryOptions {
  const dir = required(values['gitops-dir'], '--gitops-dir');
  const retries = count(values.retries, '--retries');
  const program = appModulePath(values.app);
  return {
    dir,
    push: Boolean(values.push),
    remote: values.remote,
    retries,
    createApp: loadAppFactory(program),
    provenance: provenanceFor(values, fromCi, program),
    log: line => process.stderr.write(`${line}\n`),
  };
}

/**
 * The opening of a command that changes the repository: one progress phase named `phase`
 * that loads the program with the repository options of the flags (see
 * {@link repositoryOptions}) and runs `flow` with them.
 */
export function changeRepository<R>(phase: string, values: RepositoryValues, fromCi: boolean, flow: (options: RepositoryOptions) => Promise<R>): Promise<R> {
  return Progress.around(phase, () => flow(repositoryOptions(values, fromCi)));
}
