/** Process exit codes: the contract every command keeps (`--json` never changes them). */
export const EXIT = {
  ok: 0,
  /** `--verify` found something unpatched or drifted (doctor: a problem; revert: a file left alone). */
  unpatched: 1,
  /** Usage or config error: nothing was written. */
  usage: 2,
  /**
   * A required patch cannot be applied, a file cannot be written, or the tree's own state is
   * tampered with (a path leading outside the package, a planted link): nothing was written.
   */
  cannotApply: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * The one error a user can act on. The CLI prints `message` as one line (and `frame`, a code
 * frame of the config file, under it when there is one), never a stack, and exits with
 * `exitCode`. Anything else that escapes a command is a bug and keeps its stack.
 */
export class ClawmendError extends Error {
  override name = "ClawmendError";
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    readonly frame?: string,
  ) {
    super(message);
  }

  static usage(message: string, frame?: string): ClawmendError {
    return new ClawmendError(EXIT.usage, message, frame);
  }

  static cannotApply(message: string): ClawmendError {
    return new ClawmendError(EXIT.cannotApply, message);
  }

  /** `where` (a state file, or a link planted in the tree) would lead clawmend outside the package. */
  static tampered(where: string, problem: string): ClawmendError {
    return new ClawmendError(
      EXIT.cannotApply,
      `${where}: ${problem}: tampered state, nothing was changed; reinstall the package and run clawmend patch again`,
    );
  }
}

export function isClawmendError(error: unknown): error is ClawmendError {
  return error instanceof ClawmendError;
}

/**
 * A system call that failed (Node's error with a `code` and a `syscall`: a file gone, a
 * directory not writable) as a ClawmendError (`cannotApply`) whose message `describe` words
 * around Node's own; a ClawmendError or any other error (a bug, which keeps its stack) is
 * returned as it is. For `throw systemFailure(error, …)` at a boundary.
 */
export function systemFailure(error: unknown, describe: (message: string) => string): unknown {
  if (!(error instanceof Error) || error instanceof ClawmendError) return error;
  const { code, syscall } = error as NodeJS.ErrnoException;
  if (typeof code !== "string" || typeof syscall !== "string") return error;
  return ClawmendError.cannotApply(describe(error.message));
}
