import { IConstruct } from 'constructs';

/**
 * Bad input to a construct. The message names the construct path, the field, the offending
 * value and what is allowed, e.g.
 * `[dev/ab-testing/backend] versions[1].name: "V2" is not a DNS-1123 label (lower case ...)`.
 */
export class ConfigError extends Error {
  /** Path of the construct that got the bad input (e.g. `dev/ab-testing/backend`). */
  public readonly constructPath: string;
  /** The prop (or path inside it) that holds the bad value (e.g. `versions[1].name`). */
  public readonly field: string;

  constructor(constructPath: string, field: string, value: unknown, allowed: string) {
    super(`[${constructPath}] ${field}: ${formatValue(value)} ${allowed}`);
    this.name = 'ConfigError';
    this.constructPath = constructPath;
    this.field = field;
  }
}

/** Path of a construct about to be created (`scope.node.path` + `id`), for errors thrown before `super()` finishes. */
export function pathOf(scope: IConstruct, id?: string): string {
  const base = scope.node.path;
  if (id === undefined) return base || '/';
  return base ? `${base}/${id}` : id;
}

/** Quote a value the way it appears in an error message. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
