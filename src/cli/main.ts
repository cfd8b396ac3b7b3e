/**
 * `cdk8s-gitops` command line. Each command lives in its own module (`./<command>.ts`, see
 * `CommandModule`) that exports `run(argv: string[]): Promise<number>`, `HELP: string` and its
 * option table `OPTIONS` (plus `POSITIONALS` when it takes words that are not flags); this file
 * only dispatches, through the static table {@link COMMAND_TABLE}. Exit codes: 0 ok, 1 check or
 * operation failed, 2 usage error, 3 pushed but the local branch was not updated (release,
 * rollback, shift): the exit code each error carries (see `exitCodeOf`).
 */
import { ExitCode, exitCodeOf, UsageError } from '../core/errors';
import { packageInfo } from '../core/package-info';
import { escapeControl, redactCredentialsIn } from '../core/redact';
import { OptionValues, parseOptions } from './args';
import type { CommandModule } from './command';
import { asksForJson, printJsonError } from './output';

/** A command: its line in the usage, and its module, loaded only when the command runs. */
interface CommandEntry {
  /** What it does, in a line. */
  readonly summary: string;
  /** Its module (a `require` of a fixed path: loading every command's module would slow down each one). */
  readonly load: () => CommandModule;
}

/* eslint-disable @typescript-eslint/no-require-imports */
/** Every command, by name, in the order the usage lists them. */
const COMMAND_TABLE = {
  synth: { summary: 'Render every manifest of the app into the GitOps layout (default dist/)', load: () => require('./synth') as typeof import('./synth') },
  validate: { summary: 'Check synthesized manifests: schema, cross-references, policy', load: () => require('./validate') as typeof import('./validate') },
  release: { summary: 'Roll a new image tag into an environment of the GitOps repository', load: () => require('./release') as typeof import('./release') },
  promote: { summary: "Give an environment exactly another environment's release, on a branch", load: () => require('./promote') as typeof import('./promote') },
  rollback: { summary: 'Restore the previous release of an environment, as a new commit', load: () => require('./rollback') as typeof import('./rollback') },
  shift: { summary: 'Move the traffic between versions of services in an environment (a canary step)', load: () => require('./shift') as typeof import('./shift') },
  diff: { summary: 'Show what synth would change in the GitOps repository', load: () => require('./diff') as typeof import('./diff') },
  status: { summary: 'Show what each environment runs, side by side, and its last release', load: () => require('./status') as typeof import('./status') },
  gate: { summary: "Judge a version by its Prometheus metrics (a canary step's gate)", load: () => require('./gate') as typeof import('./gate') },
  init: { summary: 'Write a new cdk8s-gitops project (program, test, cdk8s.yaml, CI) into a folder', load: () => require('./init') as typeof import('./init') },
  adopt: { summary: "Turn an existing repository's manifests into a program (and --check it against them)", load: () => require('./adopt') as typeof import('./adopt') },
} satisfies Record<string, CommandEntry>;
/* eslint-enable @typescript-eslint/no-require-imports */

/** A command's name. */
export type CommandName = keyof typeof COMMAND_TABLE;

/** Each command and what it does, in a line. */
export const COMMANDS: Readonly<Record<CommandName, string>> = Object.fromEntries(
  Object.entries(COMMAND_TABLE).map(([name, entry]) => [name, entry.summary]),
) as Record<CommandName, string>;

/** Whether `word` names a command. */
function isCommand(word: string | undefined): word is CommandName {
  return word !== undefined && Object.hasOwn(COMMAND_TABLE, word);
}

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
  if (!isCommand(command)) throw new UsageError(`unknown command ${JSON.stringify(command ?? '')} (commands: ${Object.keys(COMMANDS).join(', ')})`);
  const mod: CommandModule = COMMAND_TABLE[command].load();
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
  if (!isCommand(command)) {
    process.stderr.write(`cdk8s-gitops: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
    return ExitCode.USAGE;
  }
  const mod: CommandModule = COMMAND_TABLE[command].load();
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
