/**
 * `cdk8s-gitops` command line. Each command lives in its own module (`./<command>.ts`) that
 * exports `run(argv: string[]): Promise<number>`, `HELP: string` and `OPTIONS` (its flags);
 * this file dispatches, and parses a command line without running it (`parseOnly`).
 * Exit codes: 0 ok, 1 check or operation failed, 2 usage error.
 */
import { parseArgs } from 'util';
export const COMMANDS: Record<string, string> = {
  synth: 'Render every manifest of the app into the GitOps layout (default dist/)',
  validate: 'Check synthesized manifests: schema, cross-references, policy',
  release: 'Roll a new image tag into an environment of the GitOps repository',
  promote: "Give an environment exactly another environment's release, on a branch",
  rollback: 'Restore the previous release of an environment, as a new commit',
  diff: 'Show what synth would change in the GitOps repository',
  gate: 'Judge a version by its Prometheus metrics (error ratio, latency) over a window',
  status: 'Show what each environment runs, side by side, and its last release',
};

export const USAGE = `Usage: cdk8s-gitops <command> [options]

Commands:
${Object.entries(COMMANDS).map(([c, d]) => `  ${c.padEnd(10)} ${d}`).join('\n')}

Run \`cdk8s-gitops <command> --help\` for a command's options.
The program a command renders is --app MODULE (a module exporting createApp(props)), else the
"app" entry of the "cdk8s-gitops" field in ./package.json; without either it exits 2.
Exit codes: 0 ok, 1 check or operation failed, 2 usage error.
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

/** Error that means "the command line is wrong": exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A command's option table, in the form node's util.parseArgs takes. */
export type OptionTable = NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>;

/** Flag values and positionals of a parsed command line. */
export interface ParsedArgs {
  readonly values: Record<string, string | boolean | string[] | undefined>;
  readonly positionals: string[];
}

/**
 * Parse a command's flags with node's util.parseArgs, `-h`/`--help` included (every command has
 * it); its errors become usage errors. Runs nothing and prints nothing.
 */
export function parseFlags(argv: string[], help: string, options: OptionTable, allowPositionals = false): ParsedArgs {
  try {
    const r = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals });
    return { values: r.values as ParsedArgs['values'], positionals: r.positionals };
  } catch (e: any) {
    throw new UsageError(`${String(e?.message ?? e).replace(/\. To specify a positional argument.*$/s, '')}\n\n${help}`);
  }
}

/**
 * Parse a command's flags (see parseFlags). With `-h`/`--help` the help is printed and the
 * result is undefined: the command then exits 0.
 */
export function parse(argv: string[], help: string, options: OptionTable, allowPositionals = false): ParsedArgs | undefined {
  const r = parseFlags(argv, help, options, allowPositionals);
  if (r.values.help) {
    process.stdout.write(help);
    return undefined;
  }
  return r;
}

/** What a command module (`./<command>.ts`) exports. */
interface CommandModule {
  run(argv: string[]): Promise<number>;
  readonly HELP: string;
  /** The command's flags. */
  readonly OPTIONS: OptionTable;
  /** Whether the command takes positionals. @default false */
  readonly POSITIONALS?: boolean;
}

/**
 * Parse a command line with the command's own option table, without running the command:
 * for checking command lines written elsewhere (e.g. in CI templates). An unknown command,
 * flag or a missing value is a UsageError; the command's own checks of the values (required
 * flags, formats) are not applied.
 */
export function parseOnly(command: string, argv: string[]): ParsedArgs {
  if (!(command in COMMANDS)) throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod: CommandModule = require(`./${command}`);
  return parseFlags(argv, mod.HELP, mod.OPTIONS, mod.POSITIONALS ?? false);
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (!(command in COMMANDS)) {
    process.stderr.write(`cdk8s-gitops: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
    return 2;
  }
  let mod: CommandModule;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(`./${command}`);
  } catch (e: any) {
    if (e?.code === 'MODULE_NOT_FOUND' && String(e.message).includes(`/${command}`)) {
      process.stderr.write(`cdk8s-gitops: command ${JSON.stringify(command)} is not available in this build\n`);
      return 2;
    }
    throw e;
  }
  try {
    return await mod.run(rest);
  } catch (e: any) {
    if (e instanceof UsageError || e?.name === 'UsageError') {
      process.stderr.write(`cdk8s-gitops ${command}: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`cdk8s-gitops ${command}: ${e?.message ?? e}\n`);
    return 1;
  }
}
