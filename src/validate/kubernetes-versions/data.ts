/**
 * What one Kubernetes minor serves, where it differs from the `kubernetes-models` schemas
 * every version is validated with (`tools/generate-kubernetes-versions.js` writes one file of
 * this per minor).
 */
export interface KubernetesVersionData {
  /** The minor, e.g. `1.33`. */
  readonly version: string;
  /** Where the data comes from, for messages and docs. */
  readonly source: string;
  /** `apiVersion kind` of every object kind the minor serves that `kubernetes-models` has a schema for. */
  readonly kinds: readonly string[];
  /** Fields the `kubernetes-models` schemas declare that the minor does not have, by schema name: reported as unknown. */
  readonly absentFields: Readonly<Record<string, readonly string[]>>;
  /** Fields the minor has that the `kubernetes-models` schemas do not declare, by schema name: accepted. */
  readonly extraFields: Readonly<Record<string, readonly string[]>>;
}
