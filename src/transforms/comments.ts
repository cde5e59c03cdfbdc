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
  let lo = 0;
  let hi = comments.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (comments[mid]![1] > from) hi = mid;
    else lo = mid + 1;
  }
  const comment = comments[lo];
  return comment !== undefined && comment[0] <= from && to <= comment[1];
}
