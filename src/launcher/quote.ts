/**
 * Quoting for the three languages the generator writes into: bash, systemd unit files and
 * Markdown shell snippets. Each function returns text that the target parses back to exactly
 * the input string; none of them can produce an expansion.
 */

/** A bash word that is the literal `value`: always single quotes, `'` written as `'\''`. */
export function shQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Like shQuote, but leaves plainly safe words bare (for human-readable snippets). */
export function shWord(value: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(value) ? value : shQuote(value);
}

/** A bash array literal body: `'a' 'b c'`. */
export function shArray(values: readonly string[]): string {
  return values.map(shQuote).join(" ");
}

/** Characters a systemd unit value cannot carry (one line per setting, C strings). */
// eslint-disable-next-line no-control-regex
const UNIT_FORBIDDEN = /[\u0000-\u001f\u007f]/;

export function unitSafe(value: string): boolean {
  return !UNIT_FORBIDDEN.test(value);
}

/**
 * One argument of a systemd Exec*= line: `%` → `%%` (specifiers), `$` → `$$` (environment
 * expansion), and double quotes (with `\\` and `\"`) when it holds whitespace, quotes,
 * backslashes or a `;` that would otherwise split it.
 */
export function systemdArg(value: string): string {
  if (!unitSafe(value)) throw new Error(`cannot put a control character into a systemd unit: ${JSON.stringify(value)}`);
  const escaped = value.replace(/%/g, "%%").replace(/\$/g, "$$$$");
  if (escaped !== "" && /^[A-Za-z0-9_./:=@%$+,-]+$/.test(escaped) && escaped !== ";") return escaped;
  return `"${escaped.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** systemd refuses an executable path holding a quote or a backslash ("special characters"). */
export function systemdExecutableSafe(path: string): boolean {
  return unitSafe(path) && !/['"\\]/.test(path);
}

/**
 * The executable of an Exec*= line: `%` → `%%` but no `$` escaping (systemd expands variables
 * only in the arguments), double quotes when it holds whitespace.
 */
export function systemdExecutable(path: string): string {
  if (!systemdExecutableSafe(path)) {
    throw new Error(`systemd cannot run an executable whose path holds a quote, a backslash or a control character: ${path}`);
  }
  const escaped = path.replace(/%/g, "%%");
  return /\s|;/.test(escaped) ? `"${escaped}"` : escaped;
}

/** A full Exec*= command line. */
export function systemdCommand(argv: readonly string[]): string {
  const [exe, ...args] = argv;
  return [systemdExecutable(exe!), ...args.map(systemdArg)].join(" ");
}
