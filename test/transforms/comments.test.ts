import { describe, expect, it } from "vitest";
import { onlyInComments, type CommentRanges } from "../../src/transforms/comments.js";
import { withOxcParse } from "../../src/transforms/oxc-parse.js";

const commentsOf = (code: string): CommentRanges => withOxcParse(code, "esm", { earlyErrors: false }, (parsed) => parsed.comments())!;

describe("onlyInComments", () => {
  it.each([
    ["block comment", "/* networkInterfaces */ x();", true],
    ["line comment", "x(); // networkInterfaces", true],
    ["JSDoc and line", "/** networkInterfaces() */\nf(); // os.networkInterfaces", true],
    ["no occurrence at all", "x();", true],
    ["in code", "os.networkInterfaces();", false],
    ["one in a comment, one in code", "// networkInterfaces\nos.networkInterfaces();", false],
    ["in a string", 'const s = "networkInterfaces";', false],
    ["in a string that opens a comment", 'const s = "/* networkInterfaces */";', false],
    ["in a template after //", "const s = `// networkInterfaces`;", false],
    ["in a regular expression", "const r = /networkInterfaces/;", false],
    ["after a regular expression holding /*", "const r = /[/*]/; os.networkInterfaces(); // */", false],
    ["right after a comment", "/* a */networkInterfaces();", false],
  ])("%s", (_name, code, expected) => {
    expect(onlyInComments(code, ["networkInterfaces"], commentsOf(code))).toBe(expected);
  });

  it("an empty needle is never only in comments", () => {
    expect(onlyInComments("/* x */", [""], commentsOf("/* x */"))).toBe(false);
  });

  it("every needle must be only in comments", () => {
    const code = "// networkInterfaces\nhostname();";
    expect(onlyInComments(code, ["networkInterfaces", "hostname"], commentsOf(code))).toBe(false);
    expect(onlyInComments(code, ["networkInterfaces"], commentsOf(code))).toBe(true);
  });
});
