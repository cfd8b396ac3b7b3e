import { structuredPatch, StructuredPatchHunk } from 'diff';

/**
 * Work budget of one file's line diff: the edit distance searched for is capped at this many
 * line comparisons divided by the files' total length (Myers' algorithm takes time in
 * proportion to length x distance; 25M comparisons is about a second). Only large files that
 * are mostly rewritten reach it; their diff then replaces the changed middle whole.
 */
const WORK_BUDGET = 25_000_000;

/**
 * A unified diff of one file in git's format (`diff --git`, `---`/`+++`, `@@` hunks with
 * `context` lines of context), computed with jsdiff (the `diff` package, Myers' algorithm).
 * `before` undefined: the file is added; `after` undefined: it is removed. Returns the empty
 * string when the contents are equal. Pure.
 */
export function unifiedDiff(file: string, before: string | undefined, after: string | undefined, context = 3): string {
  if (before === after) return '';
  const header = [`diff --git a/${file} b/${file}`];
  if (before === undefined) header.push('new file mode 100644', '--- /dev/null', `+++ b/${file}`);
  else if (after === undefined) header.push('deleted file mode 100644', `--- a/${file}`, '+++ /dev/null');
  else header.push(`--- a/${file}`, `+++ b/${file}`);
  const a = before ?? '';
  const b = after ?? '';
  const lines = lineCount(a) + lineCount(b);
  const patch = structuredPatch('a', 'b', a, b, undefined, undefined, { context, maxEditLength: Math.max(1000, Math.floor(WORK_BUDGET / Math.max(1, lines))) });
  const hunks = patch?.hunks ?? [replaceMiddle(a, b, context)];
  return [...header, ...hunks.flatMap(h => [`@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@`, ...h.lines])].join('\n') + '\n';
}

/** `start,count` as git writes it: `,1` left out, and an empty range starts at the line before. */
function range(start: number, count: number): string {
  if (count === 0) return `${start - 1},0`;
  return count === 1 ? `${start}` : `${start},${count}`;
}

function lineCount(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * One hunk that removes the lines between the common head and tail of `a` and `b` and adds
 * `b`'s: the diff of files too different to search for the shortest edit script.
 */
function replaceMiddle(a: string, b: string, context: number): StructuredPatchHunk {
  const x = splitLines(a);
  const y = splitLines(b);
  let head = 0;
  while (head < x.length && head < y.length && x[head] === y[head]) head++;
  let tail = 0;
  while (tail < x.length - head && tail < y.length - head && x[x.length - 1 - tail] === y[y.length - 1 - tail]) tail++;
  const before = x.slice(Math.max(0, head - context), head);
  const after = x.slice(x.length - tail, x.length - tail + context);
  const removed = x.slice(head, x.length - tail);
  const added = y.slice(head, y.length - tail);
  const start = head - before.length + 1;
  return {
    oldStart: start,
    oldLines: before.length + removed.length + after.length,
    newStart: start,
    newLines: before.length + added.length + after.length,
    lines: [
      ...before.flatMap(l => hunkLine(' ', l)),
      ...removed.flatMap(l => hunkLine('-', l)),
      ...added.flatMap(l => hunkLine('+', l)),
      ...after.flatMap(l => hunkLine(' ', l)),
    ],
  };
}

/** Lines of a text, each with its newline (the last one may have none). */
function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** A line of a hunk: the marker and the line without its newline, or followed by git's note that it has none. */
function hunkLine(marker: string, line: string): string[] {
  return line.endsWith('\n') ? [`${marker}${line.slice(0, -1)}`] : [`${marker}${line}`, '\\ No newline at end of file'];
}
