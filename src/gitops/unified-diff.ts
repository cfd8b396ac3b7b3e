/** One line of an edit script: kept (` `), removed (`-`) or added (`+`). */
interface Edit {
  readonly op: ' ' | '-' | '+';
  readonly line: string;
}

/** Above this many cells the line diff gives up on finding a minimal script and replaces the middle whole. */
const MAX_CELLS = 4_000_000;

/**
 * A unified diff of one file in git's format (`diff --git`, `---`/`+++`, `@@` hunks with
 * `context` lines of context). `before` undefined: the file is added; `after` undefined: it is
 * removed. Returns the empty string when the contents are equal. Pure.
 */
export function unifiedDiff(file: string, before: string | undefined, after: string | undefined, context = 3): string {
  if (before === after) return '';
  const header = [`diff --git a/${file} b/${file}`];
  if (before === undefined) header.push('new file mode 100644', '--- /dev/null', `+++ b/${file}`);
  else if (after === undefined) header.push('deleted file mode 100644', `--- a/${file}`, '+++ /dev/null');
  else header.push(`--- a/${file}`, `+++ b/${file}`);
  const a = splitLines(before ?? '');
  const b = splitLines(after ?? '');
  const edits = diffLines(a, b);
  return [...header, ...hunks(edits, context)].join('\n') + '\n';
}

/** Lines of a text; a last line without newline is followed by git's `\ No newline at end of file` marker. */
function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  else lines[lines.length - 1] += '\n\\ No newline at end of file';
  return lines;
}

/** A shortest edit script from `a` to `b` (LCS after trimming the common head and tail). */
function diffLines(a: readonly string[], b: readonly string[]): Edit[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const x = a.slice(head, a.length - tail);
  const y = b.slice(head, b.length - tail);
  const middle: Edit[] = [];
  if (x.length * y.length > MAX_CELLS) {
    for (const line of x) middle.push({ op: '-', line });
    for (const line of y) middle.push({ op: '+', line });
  } else {
    // lcs[i][j] = length of the LCS of x[i..] and y[j..]
    const w = y.length + 1;
    const lcs = new Uint32Array((x.length + 1) * w);
    for (let i = x.length - 1; i >= 0; i--) {
      for (let j = y.length - 1; j >= 0; j--) {
        lcs[i * w + j] = x[i] === y[j] ? lcs[(i + 1) * w + j + 1] + 1 : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < x.length || j < y.length) {
      if (i < x.length && j < y.length && x[i] === y[j]) {
        middle.push({ op: ' ', line: x[i++] }); j++;
      } else if (j < y.length && (i === x.length || lcs[i * w + j + 1] >= lcs[(i + 1) * w + j])) {
        middle.push({ op: '+', line: y[j++] });
      } else {
        middle.push({ op: '-', line: x[i++] });
      }
    }
    // Put removals before additions within each changed run, as git does.
    for (let k = 0; k < middle.length;) {
      if (middle[k].op === ' ') { k++; continue; }
      let end = k;
      while (end < middle.length && middle[end].op !== ' ') end++;
      const run = middle.slice(k, end);
      middle.splice(k, run.length, ...run.filter(e => e.op === '-'), ...run.filter(e => e.op === '+'));
      k = end;
    }
  }
  return [
    ...a.slice(0, head).map(line => ({ op: ' ' as const, line })),
    ...middle,
    ...a.slice(a.length - tail).map(line => ({ op: ' ' as const, line })),
  ];
}

function hunks(edits: readonly Edit[], context: number): string[] {
  const out: string[] = [];
  const changed = edits.map((e, i) => (e.op === ' ' ? -1 : i)).filter(i => i >= 0);
  let k = 0;
  while (k < changed.length) {
    const first = changed[k];
    let last = first;
    while (k + 1 < changed.length && changed[k + 1] - last <= 2 * context + 1) last = changed[++k];
    k++;
    const from = Math.max(0, first - context);
    const to = Math.min(edits.length, last + context + 1);
    let oldStart = 1;
    let newStart = 1;
    for (let i = 0; i < from; i++) {
      if (edits[i].op !== '+') oldStart++;
      if (edits[i].op !== '-') newStart++;
    }
    const slice = edits.slice(from, to);
    const oldLen = slice.filter(e => e.op !== '+').length;
    const newLen = slice.filter(e => e.op !== '-').length;
    out.push(`@@ -${range(oldStart, oldLen)} +${range(newStart, newLen)} @@`);
    for (const e of slice) out.push(`${e.op}${e.line}`);
  }
  return out;
}

function range(start: number, length: number): string {
  if (length === 0) return `${start - 1},0`;
  return length === 1 ? `${start}` : `${start},${length}`;
}
