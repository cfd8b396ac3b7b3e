/** Small readers of parsed manifest values, shared by the inventory and the checks. */

/** Whether `x` is a plain (non-array) object. */
export function isObject(x: unknown): x is Record<string, any> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

/** `./dev/app/` -> `dev/app`; `.` -> ``. */
export function normalizeFolder(p: string): string {
  return p.replace(/^\.\/?/, '').replace(/\/+$/, '');
}
