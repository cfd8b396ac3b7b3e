/**
 * The command-line convention every command shares: one parser (node's `util.parseArgs`,
 * strict) over a per-command option table (`export const OPTIONS` of each command module).
 * `--flag value` and `--flag=value` alike, `-o json`/`-o=json`/`-ojson`, `-h`/`--help`
 * everywhere. Every string value must be non-blank: a flag that names or narrows something
 * (`--env`, `--service`, `--gitops-dir`, ...) must never widen into "everything" because a
 * script passed it an empty variable.
 *
 * A table is typed ({@link defineOptions}): the values a parse gives have the table's flags as
 * keys, each typed by its kind (a boolean flag `boolean`, a list or repeatable flag `string[]`,
 * any other `string`), so a command cannot read a flag its table lacks. The table also carries
 * each flag's value name and description, from which the command's `--help` lists its options
 * (`formatOptions`): the help and the parser read the same table.
 */
import { parseArgs } from 'util';
import { UsageError } from '../core/errors';

/** One flag of a command. */
export interface OptionSpec {
  /** `string` takes a value (`--env dev` or `--env=dev`); `boolean` takes none. */
  readonly type: 'string' | 'boolean';
  /**
   * One-letter alias, e.g. `o` for `-o`.
   * @default - none
   */
  readonly short?: string;
  /**
   * A list of names, collected in order however they are given: the flag repeated
   * (`--service a --service b`), comma-separated (`--service a,b`: split, every item
   * non-blank) or several words after it, up to the next flag (`--service a b`).
   * Only for string flags.
   * @default false
   */
  readonly list?: boolean;
  /**
   * The flag may be given several times (`--skip A --skip B`): its values are collected in
   * order, each as given (no splitting, and words after it stay positionals). Only for
   * string flags.
   * @default false
   */
  readonly repeatable?: boolean;
  /**
   * The values allowed.
   * @default - any non-blank value
   */
  readonly choices?: readonly string[];
  /**
   * A deprecated spelling of another flag, kept so existing scripts work: using it prints a
   * note on stderr. `{ flag: 'output', value: 'json' }` (a boolean that sets the other flag to
   * `value`) or `{ flag: 'output' }` (a string passed on as the other flag's value).
   * @default - not an alias
   */
  readonly aliasOf?: { readonly flag: string; readonly value?: string };
  /**
   * The name of the value in the help, e.g. `DIR` for `--gitops-dir DIR`. Only for string flags.
   * @default - none
   */
  readonly value?: string;
  /**
   * What the flag does, as the help lists it: lines of about 70 characters at most, separated
   * by `\n` (the help indents the lines after the first).
   * @default - none (a command whose help lists its options from the table must give one)
   */
  readonly description?: string;
  /**
   * The heading of the group of flags the help lists the flag in (`With --slo`), after the
   * flags of no group; see {@link optionGroup}.
   * @default - none: listed under "Options:"
   */
  readonly group?: string;
}

/** A command's flags by long name (without `--`). `-h`/`--help` is added to every table. */
export type OptionTable = Readonly<Record<string, OptionSpec>>;

/**
 * A command's option table, typed as written (`type: 'boolean'`, `list: true` are kept as
 * literals), so that {@link parseOptions} types the values by the table.
 */
export function defineOptions<const T extends OptionTable>(options: T): T {
  return options;
}

/**
 * Flags the help lists together under `heading` (one line of about 90 characters at most; the
 * help adds the colon), after the flags of no group: flags that go together (`gate`'s `--slo`
 * and what it needs, its query flags). Their kinds and names are as in `options`.
 */
export function optionGroup<const T extends OptionTable>(heading: string, options: T): { readonly [K in keyof T]: T[K] & { readonly group: string } } {
  return Object.fromEntries(Object.entries(options).map(([name, spec]) => [name, { ...spec, group: heading }])) as { [K in keyof T]: T[K] & { readonly group: string } };
}

/** The value a flag of `spec`'s kind parses to: one of its choices, if it has them (any value for a spec not written out). */
export type OptionValue<S extends OptionSpec> = OptionSpec extends S ? string | boolean | string[] : S extends { readonly type: 'boolean' } ? boolean
  : S extends { readonly list: true } | { readonly repeatable: true } ? string[]
    : S extends { readonly choices: readonly (infer C extends string)[] } ? C : string;

/**
 * The values of a parse against table `T`: every flag of the table is a key (undefined when it
 * was not given), typed by its kind.
 */
export type OptionValuesOf<T extends OptionTable> = { readonly [K in keyof T]: OptionValue<T[K]> | undefined };

/** The words a command takes that are not flags (validate's `DIR`). */
export interface PositionalSpec {
  /** Name in messages, e.g. `DIR`. */
  readonly name: string;
  /** How many may be given. */
  readonly max: number;
}

/** Flag values by long name: a string, a list (`list` flags) or true. */
export type OptionValues = Readonly<Record<string, string | boolean | string[] | undefined>>;

/** A parsed command line. */
export interface ParsedArgs<T extends OptionTable = OptionTable> {
  readonly values: OptionValuesOf<T>;
  readonly positionals: string[];
  /** Notes for stderr: deprecated spellings that were used. */
  readonly notes: string[];
  /** Whether `-h`/`--help` was given. */
  readonly help: boolean;
}

/**
 * Parse `argv` against `options` without side effects. Throws UsageError for an unknown flag,
 * a missing or blank value, a value not among `choices`, a flag given twice with different
 * values, or words the command does not take.
 */
export function parseOptions<T extends OptionTable>(argv: readonly string[], options: T, positionalSpec?: PositionalSpec): ParsedArgs<T> {
  const parseArgsOptions = Object.fromEntries(Object.entries({ ...options, help: { type: 'boolean', short: 'h' } as OptionSpec })
    .map(([name, o]) => [name, { type: o.type, ...(o.short !== undefined ? { short: o.short } : {}), multiple: true }]));
  let tokens;
  try {
    tokens = parseArgs({ args: [...argv], options: parseArgsOptions, strict: true, allowPositionals: true, tokens: true }).tokens;
  } catch (e: any) {
    throw new UsageError(String(e?.message ?? e).replace(/\. To specify a positional argument.*$/s, '').replace(/([.?])?\n/g, (_, end) => `${end ?? '.'} `));
  }
  const given = new Map<string, string[]>(); // flag -> its values in order (none for a boolean)
  const positionals: string[] = [];
  let open: string | undefined; // the list flag whose value came last
  for (const t of tokens) {
    if (t.kind === 'option-terminator') {
      open = undefined;
    } else if (t.kind === 'positional') {
      if (open !== undefined) given.get(open)!.push(t.value);
      else positionals.push(t.value);
    } else {
      // -o=json: parseArgs reads the short option's value as "=json"
      const value = t.value === undefined ? undefined : t.inlineValue && t.rawName.length === 2 ? t.value.replace(/^=/, '') : t.value;
      if (!given.has(t.name)) given.set(t.name, []);
      if (value !== undefined) given.get(t.name)!.push(value);
      open = options[t.name]?.list ? t.name : undefined;
    }
  }
  if (given.has('help')) return { values: {} as OptionValuesOf<T>, positionals: [], notes: [], help: true };

  const values: Record<string, string | boolean | string[] | undefined> = {};
  const notes: string[] = [];
  for (const [name, raw] of given) {
    const spec = options[name];
    if (spec.type === 'boolean') {
      values[name] = true;
    } else {
      for (const v of raw) checkValue(label(name, spec), spec, v);
      values[name] = spec.list ? raw.flatMap(v => v.split(',').map(s => s.trim())) : spec.repeatable ? [...raw] : single(`--${name}`, raw);
    }
  }
  for (const [name, spec] of Object.entries(options)) {
    if (spec.aliasOf === undefined || !given.has(name)) continue;
    const target = spec.aliasOf.flag;
    const value = spec.aliasOf.value ?? (values[name] as string);
    const replacement = `${options[target].short !== undefined ? `-${options[target].short}` : `--${target}`} ${value}`;
    notes.push(`--${name}${spec.type === 'string' ? ` ${value}` : ''} is deprecated; use ${replacement}`);
    checkValue(`--${name}`, options[target], value);
    const current = values[target];
    if (current !== undefined && current !== value) {
      throw new UsageError(`--${name} and --${target} ${JSON.stringify(current)} contradict each other; give only --${target}`);
    }
    values[target] = value;
    delete values[name];
  }
  const max = positionalSpec?.max ?? 0;
  if (positionals.length > max) {
    const extra = positionals[max];
    throw new UsageError(max === 0
      ? `unexpected argument ${JSON.stringify(extra)}`
      : `only ${max} ${positionalSpec!.name} may be given (got ${positionals.map(p => JSON.stringify(p)).join(', ')})`);
  }
  for (const p of positionals) {
    if (p.trim() === '') throw new UsageError(`${positionalSpec!.name}: ${JSON.stringify(p)} is blank; give a path`);
  }
  return { values: values as OptionValuesOf<T>, positionals, notes, help: false };
}

/**
 * Parse a command's arguments (see {@link parseOptions}) and act on the shared flags: with
 * `-h`/`--help` the help is printed and the result is undefined (the command then exits 0);
 * deprecation notes go to stderr.
 */
export function parse<T extends OptionTable>(argv: readonly string[], help: string, options: T, positionalSpec?: PositionalSpec): ParsedArgs<T> | undefined {
  const parsed = parseOptions(argv, options, positionalSpec);
  if (parsed.help) {
    process.stdout.write(help);
    return undefined;
  }
  for (const note of parsed.notes) process.stderr.write(`cdk8s-gitops: ${note}\n`);
  return parsed;
}

/** The value of a required flag, or a usage error naming it. */
export function required(value: unknown, flag: string): string {
  if (typeof value !== 'string' || value === '') throw new UsageError(`${flag} is required`);
  return value;
}

/** A non-negative integer flag value. */
export function count(value: unknown, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d{1,3}$/.test(value)) throw new UsageError(`${flag}: ${JSON.stringify(value)} must be a whole number from 0 to 999`);
  return Number(value);
}

/** Where the descriptions of {@link formatOptions} start, unless a command says otherwise. */
export const HELP_COLUMN = 21;

/**
 * The options section of a command's help, from its table: a line per flag of no group in the
 * table's order (`  --gitops-dir DIR   clone of ...`), then `-h, --help`, then each group (see
 * {@link optionGroup}) in the order of its first flag: a blank line, its heading and colon, a
 * line per flag. A flag's description starts at `column` (the lines after the first indented
 * to it); a flag whose name and value leave no room gets its description on the next lines.
 *
 * @throws Error for a flag without a description (a command's table must describe every flag)
 */
export function formatOptions(options: OptionTable, column: number = HELP_COLUMN): string {
  const groups = new Map<string | undefined, [string, string][]>([[undefined, []]]);
  for (const [name, spec] of Object.entries(options)) {
    if (spec.description === undefined) throw new Error(`option --${name} has no description for the help`);
    if (!groups.has(spec.group)) groups.set(spec.group, []);
    groups.get(spec.group)!.push([`${spec.short !== undefined ? `-${spec.short}, ` : ''}--${name}${spec.value !== undefined ? ` ${spec.value}` : ''}`, spec.description]);
  }
  groups.get(undefined)!.push(['-h, --help', 'show this help']);
  const indent = ' '.repeat(column);
  const row = ([flag, description]: [string, string]) => {
    const [first, ...rest] = description.split('\n');
    const head = `  ${flag}`;
    const lines = head.length + 2 <= column ? [`${head.padEnd(column)}${first}`]
      : head.length + 2 <= column + 2 ? [`${head}  ${first}`]
        : [head, `${indent}${first}`];
    return [...lines, ...rest.map(l => `${indent}${l}`)].join('\n');
  };
  return [...groups].map(([heading, rows]) => `${heading === undefined ? '' : `${heading}:\n`}${rows.map(row).join('\n')}`).join('\n\n');
}

/** How messages name a flag: `--env`, `-o/--output`. */
function label(name: string, spec: OptionSpec): string {
  return spec.short !== undefined ? `-${spec.short}/--${name}` : `--${name}`;
}

/** Refuse a blank value, a list with a blank item, a value not among the choices; `name` is the flag as messages show it. */
function checkValue(name: string, spec: OptionSpec, value: string): void {
  if (value.trim() === '') throw new UsageError(`${name}: ${JSON.stringify(value)} is blank; give a value`);
  if (spec.list) {
    const items = value.split(',').map(s => s.trim());
    if (items.every(s => s === '')) throw new UsageError(`${name}: ${JSON.stringify(value)} is blank; give one or more names separated by commas`);
    if (items.includes('')) throw new UsageError(`${name}: ${JSON.stringify(value)} has an empty item; give names separated by commas`);
  }
  if (spec.choices !== undefined && !spec.choices.includes(value)) {
    throw new UsageError(`${name}: ${JSON.stringify(value)} is not one of ${spec.choices.join(', ')}`);
  }
}

function single(flag: string, raw: readonly string[]): string {
  const distinct = [...new Set(raw)];
  if (distinct.length > 1) throw new UsageError(`${flag} is given ${raw.length} times (${distinct.map(v => JSON.stringify(v)).join(', ')}); give it once`);
  return distinct[0];
}
