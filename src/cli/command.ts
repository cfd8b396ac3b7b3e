/**
 * What a command module is, and the opening every command shares: its help, written around
 * the options its table lists, and a `run` that parses the command line with the table, prints
 * the help for `-h`/`--help`, notes deprecated spellings and hands the command the typed values
 * and the output format.
 */
import { formatOptions, OptionTable, OptionValuesOf, parse, PositionalSpec } from './args';
import { outputFormat } from './output';

/** What a command module exports: `cdk8s-gitops <command>` runs `run` with the words after the command. */
export interface CommandModule {
  /** Run the command; resolves to the exit code. */
  run(argv: string[]): Promise<number>;
  /** The text `--help` prints. */
  readonly HELP: string;
  /** The command's flags. */
  readonly OPTIONS: OptionTable;
  /** The words it takes that are not flags. @default - none */
  readonly POSITIONALS?: PositionalSpec;
}

/**
 * A command's help: `about` (the usage lines and what the command does, ending in a blank line),
 * the options of its table (see `formatOptions`), then `footer` (examples, the exit codes).
 *
 * @param column where the options' descriptions start
 */
export function commandHelp(about: string, options: OptionTable, footer: string, column?: number): string {
  return `${about}Options:\n${formatOptions(options, column)}\n\n${footer}`;
}

/** What a command's body gets: the parsed command line. */
export interface CommandArgs<T extends OptionTable> {
  /** The flags' values, typed by the table. */
  readonly values: OptionValuesOf<T>;
  /** The words that are not flags. */
  readonly positionals: string[];
  /** The format `-o` chose (`text` by default). */
  readonly output: string;
}

/** How a command parses its command line. */
export interface CommandSpec<T extends OptionTable> {
  /** The text `--help` prints. */
  readonly help: string;
  /** The command's flags. */
  readonly options: T;
  /** The words it takes that are not flags. @default - none */
  readonly positionals?: PositionalSpec;
}

/**
 * The `run` of a command: parse `argv` with `spec`'s table (a usage error for anything it
 * refuses), print the help and exit 0 for `-h`/`--help`, write the notes of deprecated
 * spellings on stderr, then run `body`.
 */
export function command<T extends OptionTable>(spec: CommandSpec<T>, body: (args: CommandArgs<T>) => Promise<number> | number): (argv: string[]) => Promise<number> {
  return async argv => {
    const parsed = parse(argv, spec.help, spec.options, spec.positionals);
    if (!parsed) return 0;
    return body({ values: parsed.values, positionals: parsed.positionals, output: outputFormat(parsed.values) });
  };
}
