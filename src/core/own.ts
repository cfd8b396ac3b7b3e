/**
 * `record[key]` when `record` has `key` as its own property, else undefined: a lookup keyed by
 * a name from user input (a service, version, environment or cluster name, a weights or config
 * key) never finds what every object inherits (`constructor`, `toString`, `__proto__`).
 */
export function own<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && record !== null && Object.hasOwn(record, key) ? record[key] : undefined;
}
