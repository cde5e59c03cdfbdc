// The command line's entry (bin/clawmend.js imports it): one function, the exit code.
export { main } from "./commands/main.js";
