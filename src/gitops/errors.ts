/**
 * Errors of the GitOps delivery layer. The CLI maps them to exit codes: an
 * {@link InputError} (bad flag value: unknown environment or service, malformed tag, not a
 * repository) is a usage error, exit 2; a {@link GitOpsError} (the repository is not in a state
 * the operation can start from, git failed, the push gave up) is exit 1.
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
