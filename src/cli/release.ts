import { parseArgs } from 'util';
import { release } from '../gitops/release-flow';
import { loadAppFactory } from './app-module';
import { UsageError } from './main';

export const HELP = `Usage: cdk8s-gitops release --gitops-dir DIR --env ENV --tag TAG [--service NAME ...] [--push]

Roll an image tag into one environment of the GitOps repository with A/B rotation, as
seed 001's CI does: for each service, v1 takes the tag v2 had and v2 takes TAG (a service
without versions takes TAG). The environment is re-rendered from its release.yaml and
committed as "ENV: deploy TAG"; the commit touches only that environment's folder (the
lines that carry the tag, plus release.yaml). Releasing the tag that already runs is a
no-op: no commit.

Nothing changes unless the clone can take the change: no merge, rebase, cherry-pick,
revert or bisect in progress, no lock file a killed git left, on a branch, clean, not
behind its upstream, no other cdk8s-gitops command at work in it, and every entry of
ENV/release.yaml known to the program. Only a push rejected because someone pushed first
is retried; a run that pushed but was interrupted is completed by running it again.

Options:
  --gitops-dir DIR   clone of the GitOps repository (clean, on a branch)
  --env ENV          environment to release into, e.g. dev
  --tag TAG          image tag, e.g. a git SHA (OCI tag grammar; "latest" is refused)
  --service NAME     service to rotate; repeat it, or give several names after it
                     (default: every service of the environment)
  --push             push to the remote; when someone pushed first, fetch, re-render
                     onto the new tip and push again (bounded retries with backoff)
  --remote NAME      remote to push to (default: origin)
  --retries N        retries after rejected pushes (default: 10)
  --app MODULE       compiled program exporting createApp(props) (default: lib/src/main.js)
  -h, --help         show this help

Exit codes: 0 released or nothing to do, 1 failed (nothing was changed), 2 usage error,
3 pushed, but the local branch was not updated (run the command again to update it).
`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parse(argv, HELP, {
    'gitops-dir': { type: 'string' },
    'env': { type: 'string' },
    'tag': { type: 'string' },
    'service': { type: 'string', multiple: true },
    'push': { type: 'boolean' },
    'remote': { type: 'string' },
    'retries': { type: 'string' },
    'app': { type: 'string' },
  }, true);
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  const services = [...(values.service as string[] | undefined ?? []), ...positionals].flatMap(s => s.split(',')).filter(s => s !== '');
  if (positionals.length > 0 && values.service === undefined) {
    throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}\n\n${HELP}`);
  }
  const result = await release({
    dir: required(values['gitops-dir'], '--gitops-dir'),
    env: required(values.env, '--env'),
    tag: required(values.tag, '--tag'),
    services: services.length > 0 ? services : undefined,
    push: Boolean(values.push),
    remote: values.remote as string | undefined,
    retries: count(values.retries, '--retries'),
    createApp: loadAppFactory(values.app as string | undefined),
    log: line => process.stderr.write(`${line}\n`),
  });
  if (!result.committed) {
    process.stdout.write(`${values.env} already runs ${values.tag}: nothing to release (no commit)\n`);
    return 0;
  }
  process.stdout.write(`[${result.commit!.slice(0, 12)}] ${result.message}${result.pushed ? ' (pushed)' : ''}\n`);
  for (const c of result.changes) process.stdout.write(`  ${c.service}${c.version ? ` ${c.version}` : ''}: ${c.from ?? '(none)'} -> ${c.to ?? '(none)'}\n`);
  process.stdout.write(`${result.changedFiles.length} file(s) changed${result.attempts > 1 ? `, after ${result.attempts} attempts` : ''}\n`);
  return 0;
}

/**
 * Parse a command's flags with node's util.parseArgs (its errors become usage errors). With
 * `-h`/`--help` (every command has it) the help is printed and the result is undefined: the
 * command then exits 0.
 */
export function parse(argv: string[], help: string, options: NonNullable<Parameters<typeof parseArgs>[0]>['options'], allowPositionals = false): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } | undefined {
  let r;
  try {
    r = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals });
  } catch (e: any) {
    throw new UsageError(`${String(e?.message ?? e).replace(/\. To specify a positional argument.*$/s, '')}\n\n${help}`);
  }
  if (r.values.help) {
    process.stdout.write(help);
    return undefined;
  }
  return { values: r.values as Record<string, string | boolean | string[] | undefined>, positionals: r.positionals };
}

/** The value of a required flag, or a usage error naming it. */
export function required(value: unknown, flag: string): string {
  if (typeof value !== 'string' || value === '') throw new UsageError(`${flag} is required (see --help)`);
  return value;
}

/** A non-negative integer flag value. */
export function count(value: unknown, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d{1,3}$/.test(value)) throw new UsageError(`${flag}: ${JSON.stringify(value)} must be a whole number from 0 to 999`);
  return Number(value);
}
