/**
 * The command-line convention every command shares: one parser (node's `util.parseArgs`,
 * strict) over a per-command option table (`export const OPTIONS` of each command module).
 * `--flag value` and `--flag=value` alike, `-o json`/`-o=json`/`-ojson`, `-h`/`--help`
 * everywhere. Every string value must be non-blank: a flag that names or narrows something
 * (`--env`, `--service`, `--gitops-dir`, ...) must never widen into "everything" because a
 * script passed it an empty variable.
 */
import { parseArgs } from 'util';
import { UsageError } from '../errors';

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
}

/** A command's flags by long name (without `--`). `-h`/`--help` is added to every table. */
export type OptionTable = Readonly<Record<string, OptionSpec>>;

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
export interface ParsedArgs {
  readonly values: OptionValues;
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
export function parseOptions(argv: readonly string[], options: OptionTable, positionalSpec?: PositionalSpec): ParsedArgs {
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
  if (given.has('help')) return { values: {}, positionals: [], notes: [], help: true };

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
  return { values, positionals, notes, help: false };
}

/**
 * Parse a command's arguments (see {@link parseOptions}) and act on the shared flags: with
 * `-h`/`--help` the help is printed and the result is undefined (the command then exits 0);
 * deprecation notes go to stderr.
 */
export function parse(argv: readonly string[], help: string, options: OptionTable, positionalSpec?: PositionalSpec): ParsedArgs | undefined {
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
