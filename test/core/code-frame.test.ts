/** The code frame under a refusal: Babel's, cut to a window on a minified line. */
import { describe, expect, it } from "vitest";
import { codeFrame } from "../../src/core/code-frame.js";

const minified = (marker: number) =>
  Array.from({ length: 60 }, (_, i) => (i === marker ? "os.networkInterfaces(" : `var v${i}=f(${i});`)).join("");

describe("codeFrame", () => {
  it("a short file: Babel's frame, one line above and below", () => {
    expect(codeFrame("export default {\n  vllm: { endpoints: [\n};\n", 3, 0)).toMatchInlineSnapshot(`
      "  2 |   vllm: { endpoints: [
      > 3 | };
          | ^
        4 |"
    `);
  });

  it("a minified line: cut around the error, the caret under it", () => {
    const line = minified(30);
    const column = line.indexOf("os.networkInterfaces(") + "os.networkInterfaces(".length;
    const frame = codeFrame(`"use strict";\n${line}\n`, 2, column);
    expect(frame).toMatchInlineSnapshot(`
      "  1 | "use strict";
      > 2 | …ar v28=f(28);var v29=f(29);os.networkInterfaces(var v31=f(31);var v32=f(32);var v33=f(33);var v3…
          |                                                  ^
        3 |"
    `);
    expect(frame.split("\n").every((text) => text.length < 120)).toBe(true);
  });

  it("an error near the start or the end of a long line keeps the window inside the line", () => {
    const line = minified(59);
    expect(codeFrame(line, 1, 3)).toMatchInlineSnapshot(`
      "> 1 | var v0=f(0);var v1=f(1);var v2=f(2);var v3=f(3);var v4=f(4);var v5=f(5);var v6=f(6);var v7=f(7);…
          |    ^"
    `);
    expect(codeFrame(line, 1, line.length)).toMatchInlineSnapshot(`
      "> 1 | …(53);var v54=f(54);var v55=f(55);var v56=f(56);var v57=f(57);var v58=f(58);os.networkInterfaces(
          |                                                                                                  ^"
    `);
  });
});
