/** An error the user can fix: printed as one line, never with a stack. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** The config file is missing, does not load, or does not validate. */
export class ConfigError extends UsageError {
  override name = "ConfigError";
}

export const EXIT = {
  ok: 0,
  unpatched: 1,
  usage: 2,
  cannotApply: 3,
} as const;
