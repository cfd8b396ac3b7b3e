/** `s` as one word of a POSIX shell command line: single-quoted, with embedded quotes escaped. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, "'\\''")}'`;
}
