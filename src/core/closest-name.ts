/**
 * The known name closest to `name` (case-insensitive edit distance: insertions, deletions,
 * substitutions), when it is at most `maxEdits` edits away; the first such name in `known`'s
 * order wins a tie. For "did you mean" hints in error messages (`bakend` -> `backend`).
 *
 * @param maxEdits the farthest a name may be to be suggested. @default 2
 */
export function closestName(name: string, known: Iterable<string>, maxEdits = 2): string | undefined {
  let best: string | undefined;
  let bestDistance = maxEdits + 1;
  for (const k of known) {
    const d = editDistance(name.toLowerCase(), k.toLowerCase(), bestDistance);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

/** ` (did you mean "backend"?)`: the hint of an error message naming the known name closest to `name` (see {@link closestName}), or `''` when none is close. */
export function didYouMean(name: string, known: Iterable<string>): string {
  const best = closestName(name, known);
  return best === undefined ? '' : ` (did you mean ${JSON.stringify(best)}?)`;
}

/** Levenshtein distance of `a` and `b`, or `limit` when it is `limit` or more. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return Math.min(prev[b.length], limit);
}
