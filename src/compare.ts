/**
 * Order strings by UTF-16 code units, as `Array.prototype.sort` does without a comparator,
 * but usable inside a comparator of several keys. Every sorted output of cdk8s-gitops (files,
 * findings, release rows) uses it, so the order never depends on the locale.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
