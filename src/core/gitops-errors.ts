/**
 * Errors of the GitOps delivery layer. The CLI maps them to exit codes: an
 * {@link InputError} (bad flag value: unknown environment or service, malformed tag, not a
 * repository) is a usage error, exit 2; a {@link GitOpsError} (the repository is not in a state
 * the operation can start from, git failed, the push gave up) is exit 1; a
 * {@link PushedNotLandedError} (the commit is on the remote, the local branch was not updated)
 * is exit 3.
 */

/** The operation could not be done; nothing was changed. Exit code 1. */
export class GitOpsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GitOpsError';
  }
}

/**
 * A flag has a bad value. Named `UsageError` so the CLI dispatcher (which matches errors by
 * name across module copies) reports it as a usage error, exit code 2.
 */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * The commit was pushed, but the local branch could not be brought to it: something did change
 * (the remote has the commit). Exit code 3. Running the command again brings the local branch
 * up to date (it finds nothing left to do).
 */
export class PushedNotLandedError extends GitOpsError {
  /** The exit code the CLI ends with. */
  public readonly exitCode = 3;
  /** Always true: the remote has the commit. */
  public readonly pushed = true;

  constructor(message: string, public readonly commit: string) {
    super(message);
    this.name = 'PushedNotLandedError';
  }
}
