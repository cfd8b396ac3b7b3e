/**
 * One synthesized Kubernetes object and where it lives in the GitOps repository.
 */
export interface Manifest {
  /** Path relative to the repository root, with `/` separators, e.g. `dev/ab-testing/deployment-backend-v1.yaml`. */
  readonly path: string;
  /** The object as plain JSON (apiVersion, kind, metadata, ...). */
  readonly object: Record<string, any>;
}
