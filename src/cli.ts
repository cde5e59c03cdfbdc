// The command line's entry (bin/clawpatch.js imports it): one function, the exit code.
export { main } from "./commands/main.js";
