import { firstIndex } from "./position.js";

/** Comment ranges `[start, end)` of a file, in source order. */
export type CommentRanges = ReadonlyArray<readonly [number, number]>;

/**
 * Whether every occurrence of every needle in `code` lies wholly inside a comment: then the
 * file's code holds none of them (a 3 MB bundle of OpenClaw 2026.9 names `networkInterfaces`
 * only in two doc comments).
 */
export function onlyInComments(code: string, needles: readonly string[], comments: CommentRanges): boolean {
  for (const needle of needles) {
    if (needle.length === 0) return false;
    for (let at = code.indexOf(needle); at !== -1; at = code.indexOf(needle, at + 1)) {
      if (!insideComment(comments, at, at + needle.length)) return false;
    }
  }
  return true;
}

function insideComment(comments: CommentRanges, from: number, to: number): boolean {
  const comment = comments[firstIndex(comments.length, (index) => comments[index]![1] > from)];
  return comment !== undefined && comment[0] <= from && to <= comment[1];
}
