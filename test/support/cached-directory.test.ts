/**
 * The test cache's directory entries: built once however many callers ask at once, seen only
 * whole (the entry and its completion marker appear together), and nothing left on failure.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CACHE_MARKER, cachedDirectory } from "./real-packages.js";
import { tempDir } from "./tree.js";

const MARKER_TEXT = `${JSON.stringify({ filler: "x".repeat(256 * 1024) })}\n`;

describe("cachedDirectory", () => {
  it("builds once for concurrent callers; whenever the entry exists, its marker is there and whole", async () => {
    const entry = join(tempDir(), "entry");
    const marker = join(entry, CACHE_MARKER);
    let builds = 0;
    const torn: string[] = [];
    let watching = true;
    const watch = (async () => {
      while (watching) {
        if (existsSync(entry)) {
          if (!existsSync(marker)) torn.push("entry without its marker");
          else if (readFileSync(marker, "utf8") !== MARKER_TEXT) torn.push("a partial marker");
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const build = async (tmp: string) => {
      builds++;
      await new Promise((resolve) => setTimeout(resolve, 50));
      await writeFile(join(tmp, "payload"), "done");
      return MARKER_TEXT;
    };
    const results = await Promise.all(
      [1, 2, 3].map(() => cachedDirectory(entry, build, () => readFileSync(join(entry, "payload"), "utf8"))),
    );
    watching = false;
    await watch;
    expect(results).toEqual(["done", "done", "done"]);
    expect(builds).toBe(1);
    expect(torn).toEqual([]);
    expect(readFileSync(marker, "utf8")).toBe(MARKER_TEXT);
  });

  it("a failed build leaves no entry and no temporary directory, and says why", async () => {
    const parent = tempDir();
    const entry = join(parent, "entry");
    await expect(
      cachedDirectory(
        entry,
        async () => {
          throw new Error("npm install failed");
        },
        () => "unreachable",
      ),
    ).rejects.toThrow("npm install failed");
    expect(readdirSync(parent)).toEqual([]);
  });
});
