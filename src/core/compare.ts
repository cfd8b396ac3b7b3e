/**
 * Order strings by UTF-16 code units, as `Array.prototype.sort` does without a comparator,
 * but usable inside a comparator of several keys. Every sorted output of cdk8s-gitops (files,
 * findings, release rows) uses it, so the order never depends on the locale.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Order version names naturally: `v1 < v2 < v10`, then by plain string order. The newest
 * version of a service (the canary of a split) is the last in this order.
 */
export function compareVersions(a: string, b: string): number {
  const na = /^(\D*)(\d+)$/.exec(a);
  const nb = /^(\D*)(\d+)$/.exec(b);
  if (na && nb && na[1] === nb[1]) return Number(na[2]) - Number(nb[2]);
  return compareText(a, b);
}
