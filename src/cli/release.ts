import { release } from '../gitops/release-flow';
import { loadAppFactory } from './app-module';
import { OptionTable, parse, UsageError } from './main';

export const HELP = `Usage: cdk8s-gitops release --gitops-dir DIR --env ENV --tag TAG [--service NAME ...] [--push]

Roll an image tag into one environment of the GitOps repository with A/B rotation, as
seed 001's CI does: for each service, v1 takes the tag v2 had and v2 takes TAG (a service
without versions takes TAG). The environment is re-rendered from its release.yaml and
committed as "ENV: deploy TAG"; the commit touches only that environment's folder (the
lines that carry the tag, plus release.yaml). Releasing the tag that already runs is a
no-op: no commit.

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
  --app MODULE       program module exporting createApp(props) (default: the
                     "cdk8s-gitops".app entry of ./package.json)
  -h, --help         show this help

Exit codes: 0 released or nothing to do, 1 failed (nothing was changed), 2 usage error.
`;

/** The flags of `release` (util.parseArgs form); `parseOnly` in ./main reads it too. */
export const OPTIONS: OptionTable = {
  'gitops-dir': { type: 'string' },
  'env': { type: 'string' },
  'tag': { type: 'string' },
  'service': { type: 'string', multiple: true },
  'push': { type: 'boolean' },
  'remote': { type: 'string' },
  'retries': { type: 'string' },
  'app': { type: 'string' },
};
/** Names may follow `--service` as positionals (`--service a b c`). */
export const POSITIONALS = true;

export async function run(argv: string[]): Promise<number> {
  const parsed = parse(argv, HELP, OPTIONS, POSITIONALS);
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
