import { generateScript } from "./script.js";
import type { LauncherSettings } from "./settings.js";
import { validateLauncherSettings } from "./settings.js";
import {
  GATEWAY_DROPIN,
  INSTALL_NAME,
  SCRIPT_NAME,
  VLLM_UNIT,
  WRAPPER_NAME,
  generateGatewayDropIn,
  generateInstall,
  generateOpenclawWrapper,
  generateVllmUnit,
} from "./units.js";

export interface GeneratedFile {
  /** Relative to the output directory, `/`-separated. */
  path: string;
  content: string;
  /** File mode, e.g. 0o755 for the script. */
  mode: number;
}

export interface GeneratedLauncher {
  files: GeneratedFile[];
}

/** Pure: the same settings always give the same files, byte for byte, in the same order. */
export function generateLauncher(settings: LauncherSettings): GeneratedLauncher {
  validateLauncherSettings(settings);
  return {
    files: [
      { path: SCRIPT_NAME, content: generateScript(settings), mode: 0o755 },
      { path: VLLM_UNIT, content: generateVllmUnit(settings), mode: 0o644 },
      ...(settings.gateway
        ? [
            { path: GATEWAY_DROPIN, content: generateGatewayDropIn(settings, settings.gateway), mode: 0o644 },
            { path: WRAPPER_NAME, content: generateOpenclawWrapper(settings, settings.gateway), mode: 0o755 },
          ]
        : []),
      { path: INSTALL_NAME, content: generateInstall(settings), mode: 0o644 },
    ],
  };
}
