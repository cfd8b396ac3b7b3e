import { IConstruct } from 'constructs';

/**
 * The errors of cdk8s-gitops: one hierarchy under {@link CdkGitOpsError}, each error carrying
 * the exit code the CLI ends with ({@link ExitCode}). They are recognised by a brand
 * (`Symbol.for('cdk8s-gitops.error')`), not by their name: {@link isCdkGitOpsError} also knows
 * an error thrown by a second copy of this package (a program that installed its own).
 *
 * - {@link ConfigError}: bad input to a construct (exit code 1);
 * - {@link UsageError}: the command line is wrong (exit code 2); {@link InputError}: a value
 *   given to an operation is (an unknown environment, a malformed tag, not a repository);
 * - {@link GitOpsError}: the operation could not be done, nothing was changed (exit code 1);
 *   {@link PushedNotLandedError}: pushed, but the local branch was not updated (exit code 3).
 */

/** The exit codes of the CLI (see docs/cli.md). */
export const ExitCode = {
  /** The command did what was asked (or found nothing to do). */
  OK: 0,
  /** A check or the operation failed; nothing was changed. */
  FAILED: 1,
  /** The command line is wrong. */
  USAGE: 2,
  /** The commit was pushed, but the local branch was not updated. */
  PUSHED_NOT_LANDED: 3,
} as const;

/** One of the {@link ExitCode}s. */
export type ExitCode = typeof ExitCode[keyof typeof ExitCode];

/** The brand every {@link CdkGitOpsError} carries, the same symbol in every copy of this package. */
const BRAND = Symbol.for('cdk8s-gitops.error');

/**
 * An error of cdk8s-gitops, with the exit code the CLI ends with. Catch them all with
 * {@link isCdkGitOpsError} (which also knows those of another copy of this package).
 */
export class CdkGitOpsError extends Error {
  /** The exit code the CLI ends with when this error stops a command. */
  public readonly exitCode: ExitCode;

  /**
   * @param message what went wrong, naming the file, construct, flag or value
   * @param exitCode the exit code the CLI ends with
   */
  constructor(message: string, exitCode: ExitCode = ExitCode.FAILED) {
    super(message);
    this.name = 'CdkGitOpsError';
    this.exitCode = exitCode;
  }
}
Object.defineProperty(CdkGitOpsError.prototype, BRAND, { value: true });

/**
 * Whether `e` is an error of cdk8s-gitops, of this copy of the package or of another one: by
 * its brand, not its class or name.
 */
export function isCdkGitOpsError(e: unknown): e is CdkGitOpsError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[BRAND] === true;
}

/**
 * The exit code of an error that stops a command: its own for an error of cdk8s-gitops (see
 * {@link isCdkGitOpsError}), {@link ExitCode.FAILED} for any other.
 */
export function exitCodeOf(e: unknown): ExitCode {
  if (!isCdkGitOpsError(e)) return ExitCode.FAILED;
  const code = (e as { exitCode?: unknown }).exitCode;
  return code === ExitCode.USAGE || code === ExitCode.PUSHED_NOT_LANDED ? code : ExitCode.FAILED;
}

/**
 * Bad input to a construct. The message names the construct path, the field, the offending
 * value and what is allowed, e.g.
 * `[dev/ab-testing/backend] versions[1].name: "V2" is not a DNS-1123 label (lower case ...)`.
 * Exit code 1 in the CLI.
 */
export class ConfigError extends CdkGitOpsError {
  /** Path of the construct that got the bad input (e.g. `dev/ab-testing/backend`). */
  public readonly constructPath: string;
  /** The prop (or path inside it) that holds the bad value (e.g. `versions[1].name`). */
  public readonly field: string;

  constructor(constructPath: string, field: string, value: unknown, allowed: string) {
    super(`[${constructPath}] ${field}: ${formatValue(value)} ${allowed}`, ExitCode.FAILED);
    this.name = 'ConfigError';
    this.constructPath = constructPath;
    this.field = field;
  }
}

/** The command line is wrong (an unknown flag, a missing or bad value): exit code 2. */
export class UsageError extends CdkGitOpsError {
  constructor(message: string) {
    super(message, ExitCode.USAGE);
    this.name = 'UsageError';
  }
}

/**
 * A value given to an operation of the GitOps delivery layer is wrong: an unknown environment
 * or service, a malformed tag, a folder that is not a repository. Its message names the flag.
 * A usage error: exit code 2.
 */
export class InputError extends UsageError {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/**
 * The operation of the GitOps delivery layer could not be done (the repository is not in a
 * state it can start from, git failed, the push gave up); nothing was changed. Exit code 1.
 */
export class GitOpsError extends CdkGitOpsError {
  constructor(message: string, exitCode: ExitCode = ExitCode.FAILED) {
    super(message, exitCode);
    this.name = 'GitOpsError';
  }
}

/**
 * The commit was pushed, but the local branch could not be brought to it: something did change
 * (the remote has the commit). Exit code 3. Running the command again brings the local branch
 * up to date (it finds nothing left to do).
 */
export class PushedNotLandedError extends GitOpsError {
  /** Always true: the remote has the commit. */
  public readonly pushed = true;

  constructor(message: string, public readonly commit: string) {
    super(message, ExitCode.PUSHED_NOT_LANDED);
    this.name = 'PushedNotLandedError';
  }
}

/** Path of a construct about to be created (`scope.node.path` + `id`), for errors thrown before `super()` finishes. */
export function pathOf(scope: IConstruct, id?: string): string {
  const base = scope.node.path;
  if (id === undefined) return base || '/';
  return base ? `${base}/${id}` : id;
}

/** Quote a value the way it appears in an error message. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
