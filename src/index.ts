export { defineConfig, type UserConfig } from "./config/define.js";
export { loadConfig, type Config } from "./config/load.js";
export type { Settings, VllmSettings, VllmConfigInput } from "./config/settings.js";
export { ClawmendError, EXIT, type ExitCode } from "./core/errors.js";
export {
  definePatch,
  type PatchSpec,
  type PatchTarget,
  type Expectation,
  type Transform,
  type SourceTransform,
  type LedgerTransform,
  type SourceTransformInput,
  type SourceTransformResult,
  type LedgerTransformInput,
  type LedgerTransformResult,
  type Site,
  type AddedFile,
  type FileChange,
} from "./core/spec.js";
export { markerFor } from "./transforms/marker.js";
export { insertImportAfterShebang, type InsertImportOptions } from "./transforms/insert-import.js";
export { wrapReturnValues, type WrapReturnValuesOptions } from "./transforms/wrap-returns.js";
export { wrapBuiltinExport, type WrapBuiltinExportOptions } from "./transforms/wrap-builtin-export.js";
export { syncInventory, type SyncInventoryOptions, type InventoryFormat } from "./transforms/sync-inventory.js";
export { builtinPatches } from "./patches/builtins.js";
export { runPatches, type RunOptions } from "./engine/run.js";
export { revertTree, type RevertReport } from "./engine/revert.js";
export type { RunReport, CopyReport } from "./verify/report.js";
export type { Status } from "./verify/status.js";
