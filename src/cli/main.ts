/**
 * `cdk8s-gitops` command line. Each command lives in its own module (`./<command>.ts`) that
 * exports `run(argv: string[]): Promise<number>`, `HELP: string` and its option table
 * `OPTIONS` (plus `POSITIONALS` when it takes words that are not flags); this file only
 * dispatches. Exit codes: 0 ok, 1 check or operation failed, 2 usage error, 3 pushed but the
 * local branch was not updated (release, rollback, shift).
 */
import { ExitCode, exitCodeOf, UsageError } from '../errors';
import { packageInfo } from '../package-info';
import { escapeControl, redactCredentialsIn } from '../redact';
import { OptionTable, OptionValues, parseOptions, PositionalSpec } from './args';
import { asksForJson, printJsonError } from './output';
export const COMMANDS: Record<string, string> = {
  synth: 'Render every manifest of the app into the GitOps layout (default dist/)',
  validate: 'Check synthesized manifests: schema, cross-references, policy',
  release: 'Roll a new image tag into an environment of the GitOps repository',
  promote: "Give an environment exactly another environment's release, on a branch",
  rollback: 'Restore the previous release of an environment, as a new commit',
  shift: 'Move the traffic between versions of services in an environment (a canary step)',
  diff: 'Show what synth would change in the GitOps repository',
  status: 'Show what each environment runs, side by side, and its last release',
  gate: "Judge a version by its Prometheus metrics (a canary step's gate)",
  init: 'Write a new cdk8s-gitops project (program, test, cdk8s.yaml, CI) into a folder',
  adopt: "Turn an existing repository's manifests into a program (and --check it against them)",
};

export const USAGE = `Usage: cdk8s-gitops <command> [options]

Commands:
${Object.entries(COMMANDS).map(([c, d]) => `  ${c.padEnd(10)} ${d}`).join('\n')}

Run \`cdk8s-gitops <command> --help\` for a command's options,
\`cdk8s-gitops --version\` for the version.
The program a command renders is --app MODULE (a module exporting createApp(props)), else the
"app" entry of the "cdk8s-gitops" field in ./package.json; without either it exits 2.
Exit codes: 0 ok, 1 check or operation failed (nothing changed), 2 usage error,
3 pushed, but the local branch was not updated (run the command again).
`;

/**
 * Let a reader that stops early (`cdk8s-gitops status | head`) end the process quietly, as
 * other command-line tools do, instead of with an unhandled EPIPE error. For the CLI's
 * entry point (`bin/cdk8s-gitops.js`).
 */
export function exitQuietlyOnClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
      process.exit(process.exitCode ?? 0);
    });
  }
}

/** What a command module exports. */
interface CommandModule {
  run(argv: string[]): Promise<number>;
  readonly OPTIONS: OptionTable;
  readonly POSITIONALS?: PositionalSpec;
}

/** A command line parsed without running it (see {@link parseCommandLine}). */
export interface CommandLine {
  readonly command: string;
  readonly values: OptionValues;
  readonly positionals: string[];
}

/** Words that print the version instead of running a command. */
const VERSION_WORDS = ['--version', 'version'];

/**
 * Parse a command line (the words after `cdk8s-gitops`) with the command's option table,
 * without running it: for tests that check the command lines CI templates use.
 * `--version` parses as the command `version`.
 *
 * @throws UsageError for an unknown command or any flag the command would refuse
 */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const [command, ...rest] = argv;
  if (command !== undefined && VERSION_WORDS.includes(command) && rest.length === 0) return { command: 'version', values: {}, positionals: [] };
  if (command === undefined || !Object.hasOwn(COMMANDS, command)) throw new UsageError(`unknown command ${JSON.stringify(command ?? '')} (commands: ${Object.keys(COMMANDS).join(', ')})`);
  const mod = commandModule(command);
  if (mod === undefined) throw new UsageError(`command ${JSON.stringify(command)} is not available in this build`);
  const { values, positionals } = parseOptions(rest, mod.OPTIONS, mod.POSITIONALS);
  return { command, values, positionals };
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (VERSION_WORDS.includes(command)) {
    if (rest.length > 0) {
      process.stderr.write(`cdk8s-gitops ${command}: unexpected argument ${JSON.stringify(rest[0])}\n`);
      return 2;
    }
    process.stdout.write(`${packageInfo().version}\n`);
    return 0;
  }
  if (!Object.hasOwn(COMMANDS, command)) {
    process.stderr.write(`cdk8s-gitops: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
    return 2;
  }
  const mod = commandModule(command);
  if (mod === undefined) {
    process.stderr.write(`cdk8s-gitops: command ${JSON.stringify(command)} is not available in this build\n`);
    return 2;
  }
  try {
    return await mod.run(rest);
  } catch (e: any) {
    // recognised by the brand of cdk8s-gitops' errors, whichever copy of the package threw it
    const code = exitCodeOf(e);
    if (asksForJson(rest)) printJsonError(command, String(e?.message ?? e), code);
    process.stderr.write(code === ExitCode.USAGE ? `cdk8s-gitops ${command}: ${errorText(e.message)}\nRun \`cdk8s-gitops ${command} --help\` for usage.\n` : `cdk8s-gitops ${command}: ${errorText(e?.message ?? e)}\n`);
    return code;
  }
}

/**
 * An error message as printed: control characters escaped (newlines and tabs kept), and the
 * credentials of any `scheme://user:password@` in it dropped (a message quoting what git or a
 * server said may hold a URL this tool did not redact).
 */
function errorText(message: unknown): string {
  return escapeControl(redactCredentialsIn(String(message)), true);
}

/** The module of a command, or undefined when this build lacks it. */
function commandModule(command: string): CommandModule | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(`./${command}`);
  } catch (e: any) {
    if (e?.code === 'MODULE_NOT_FOUND' && String(e.message).includes(`/${command}`)) return undefined;
    throw e;
  }
}
