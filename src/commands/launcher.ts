import type { CommandRegistrar } from "../cli.js";

/** `clawpatch launcher`: owned by the launcher work (issue 6). */
export const registerLauncher: CommandRegistrar = () => {};
