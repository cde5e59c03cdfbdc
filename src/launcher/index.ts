export { generateLauncher, type GeneratedFile, type GeneratedLauncher } from "./generate.js";
export { writeLauncherFiles, type WrittenFile } from "./write.js";
export {
  resolveLauncherSettings,
  validateLauncherSettings,
  MANAGED_VLLM_FLAGS,
  type LauncherOverrides,
  type LauncherPaths,
  type LauncherSettings,
} from "./settings.js";
export { EXIT_CONFIG, EXIT_TRANSIENT, FAILED_MARKER, OK_MARKER, PREFLIGHT_REASONS, vllmArgs, type PreflightReason } from "./script.js";
export { GATEWAY_DROPIN, GATEWAY_UNIT, INSTALL_NAME, SCRIPT_NAME, VLLM_UNIT } from "./units.js";
export { shQuote, systemdArg, systemdCommand } from "./quote.js";
