import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * A miniature global-style openclaw install: the package with its entries (`openclaw.mjs`
 * → `dist/entry.js`, `dist/index.js`), nested node_modules, `.bin` links (relative), one
 * absolute link into the package (what a hand-made mirror or `npm link` can leave), an
 * executable file and a read-only directory.
 */
export function makeOpenclawFixture(dir: string, version = "2026.2.26"): string {
  const write = (rel: string, text: string, mode = 0o644) => {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
    chmodSync(join(dir, rel), mode);
  };
  write("package.json", JSON.stringify({ name: "openclaw", version, type: "module", bin: { openclaw: "openclaw.mjs" } }, null, 2));
  write("openclaw.mjs", '#!/usr/bin/env node\nimport "./dist/entry.js";\n', 0o755);
  write(
    "dist/entry.js",
    [
      "#!/usr/bin/env node",
      'import { readFileSync } from "node:fs";',
      'import dep from "dep-a";',
      'const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));',
      'if (process.argv.includes("--version")) console.log(`${pkg.version} ${dep()}`);',
      "",
    ].join("\n"),
    0o755,
  );
  write("dist/index.js", 'export const version = "fixture";\n');
  write("dist/tailnet-Ca1WnFBq.js", "export function listTailnetAddresses() { return []; }\n");
  write(
    "node_modules/dep-a/package.json",
    JSON.stringify({ name: "dep-a", version: "1.0.0", main: "index.js", bin: { "dep-a": "cli.js" } }),
  );
  write("node_modules/dep-a/index.js", 'module.exports = () => require("dep-b")();\n');
  write("node_modules/dep-a/cli.js", "#!/usr/bin/env node\nconsole.log('dep-a');\n", 0o755);
  write("node_modules/dep-a/node_modules/dep-b/package.json", JSON.stringify({ name: "dep-b", version: "2.0.0", main: "index.js" }));
  write("node_modules/dep-a/node_modules/dep-b/index.js", 'module.exports = () => "dep-b-ok";\n');
  write("node_modules/ro-pkg/package.json", JSON.stringify({ name: "ro-pkg", version: "1.0.0" }));
  chmodSync(join(dir, "node_modules/ro-pkg"), 0o555);
  mkdirSync(join(dir, "node_modules/.bin"), { recursive: true });
  symlinkSync("../dep-a/cli.js", join(dir, "node_modules/.bin/dep-a"));
  symlinkSync(join(dir, "node_modules/dep-a"), join(dir, "node_modules/dep-a-abs"));
  return dir;
}
