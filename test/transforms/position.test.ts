import { describe, expect, it } from "vitest";
import { lineColumn } from "../../src/transforms/position.js";

/** The line and column counted character by character. */
function naive(code: string, offset: number): { line: number; column: number } {
  let line = 1;
  let column = 0;
  for (let i = 0; i < offset; i += 1) {
    if (code[i] === "\n") {
      line += 1;
      column = 0;
    } else column += 1;
  }
  return { line, column };
}

describe("lineColumn", () => {
  it.each(["", "a", "\n", "ab\ncd\n\nef", "\n\n\nx", "no break at all", "a\r\nb\r\n"])("every offset of %j", (code) => {
    for (let offset = 0; offset <= code.length; offset += 1) expect(lineColumn(code, offset), `${offset}`).toEqual(naive(code, offset));
  });

  it("answers for two texts asked about in turn", () => {
    expect(lineColumn("a\nb", 2)).toEqual({ line: 2, column: 0 });
    expect(lineColumn("xyz", 2)).toEqual({ line: 1, column: 2 });
    expect(lineColumn("a\nb", 2)).toEqual({ line: 2, column: 0 });
  });
});
