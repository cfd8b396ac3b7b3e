/**
 * What commands that report share: `-o, --output text|json` (validate adds sarif and junit),
 * JSON documents on stdout with stable field names (absent values are null, never missing).
 */
import type { TagChange, WeightChange } from '../gitops/rotation';
import { escapeJsonControl } from '../core/redact';
import { defineOptions, OptionValues } from './args';

/**
 * The `-o, --output FORMAT` flag with the formats a command supports (`text` is the default),
 * described as `description` in the help (a command whose help lists its options from the table
 * must give one).
 */
export function outputOption<const F extends readonly string[]>(formats: F, description?: string, value = 'FMT') {
  return defineOptions({ output: { type: 'string', short: 'o', choices: formats, value, description } });
}

/** The deprecated `--json` flag: `-o json`. */
export const JSON_ALIAS = defineOptions({ json: { type: 'boolean', aliasOf: { flag: 'output', value: 'json' }, description: 'deprecated spelling of -o json' } });

/** The format `-o` chose, `text` by default. */
export function outputFormat(values: OptionValues): string {
  return (values.output as string | undefined) ?? 'text';
}

/**
 * Whether the words of a command line (before `--`) ask for `-o json` in any spelling
 * (`-o json`, `-ojson`, `-o=json`, `--output json`, `--output=json`, `--json`): a failure is
 * then reported on stdout as a JSON error object too.
 */
export function asksForJson(argv: readonly string[]): boolean {
  for (let i = 0; i < argv.length && argv[i] !== '--'; i++) {
    const a = argv[i];
    if (a === '--json' || a === '-ojson' || a === '-o=json' || a === '--output=json') return true;
    if ((a === '-o' || a === '--output') && argv[i + 1] === 'json') return true;
  }
  return false;
}

/** Print a command's failure as `-o json` reports it: `{"error": {"command", "message", "exitCode"}}` on stdout. */
export function printJsonError(command: string, message: string, exitCode: number): void {
  printJson({ error: { command, message, exitCode } });
}

/**
 * Print `value` as one JSON document on stdout; an undefined field is printed as null, not left
 * out. Every control character is an escape (`\u001b`, `\u009b`), never raw, so a terminal
 * shows the document rather than acting on it.
 */
export function printJson(value: unknown): void {
  process.stdout.write(`${escapeJsonControl(JSON.stringify(value, (_, v) => (v === undefined ? null : v), 2))}\n`);
}

/** A commit a command made, as its text report shows it. */
export interface CommitReport {
  /** The new commit. */
  readonly commit?: string;
  /** Its message subject. */
  readonly message: string;
  /** Whether it was pushed. */
  readonly pushed: boolean;
  /** The files it changed: given, their count ends the report. @default - no count */
  readonly changedFiles?: readonly string[];
  /** How often the change was rendered (more than 1 after rejected pushes). @default 1 */
  readonly attempts?: number;
}

/**
 * Print the text report of a commit (release, rollback, shift): `[SHA] MESSAGE[NOTE][ (pushed)]`,
 * an indented line per change, then how many files changed (and after how many attempts).
 */
export function printCommit(result: CommitReport, changes: readonly string[], note = ''): void {
  process.stdout.write(`[${result.commit!.slice(0, 12)}] ${result.message}${note}${result.pushed ? ' (pushed)' : ''}\n`);
  for (const line of changes) process.stdout.write(`  ${line}\n`);
  if (result.changedFiles === undefined) return;
  const attempts = result.attempts ?? 1;
  process.stdout.write(`${result.changedFiles.length} file(s) changed${attempts > 1 ? `, after ${attempts} attempts` : ''}\n`);
}

/** A tag change as JSON: `{service, version, from, to, cluster}`, null where there is none (`cluster`: a change of one cluster that is not the environment's). */
export function tagChangeJson(c: TagChange): { service: string; version: string | null; from: string | null; to: string | null; cluster: string | null } {
  return { service: c.service, version: c.version ?? null, from: c.from ?? null, to: c.to ?? null, cluster: c.cluster ?? null };
}

/** A split change as JSON: `{service, from, to, cluster}`, each split version -> percent, null where none is pinned (the program's split); `cluster` as for a tag change. */
export function weightChangeJson(c: WeightChange): { service: string; from: Readonly<Record<string, number>> | null; to: Readonly<Record<string, number>> | null; cluster: string | null } {
  return { service: c.service, from: c.from ?? null, to: c.to ?? null, cluster: c.cluster ?? null };
}
