import { emitYaml } from './yaml-emitter';

/**
 * Which image tag runs as which version of which service, in one environment.
 *
 * Versioned services map version name -> tag (`backend: { v1: abc, v2: def }`);
 * a service without versions maps straight to its tag (`frontend: '1.4.2'`).
 * The GitOps repository keeps one per environment in `<env>/release.yaml`; synth reads it.
 */
export interface ReleaseState {
  /** Environment name, e.g. `dev`. */
  readonly environment: string;
  /** Service name -> tag, or version name -> tag. */
  readonly services: Readonly<Record<string, string | Readonly<Record<string, string>>>>;
}

/** File name of the release state inside each environment folder. */
export const RELEASE_FILE = 'release.yaml';

/** `apiVersion` of a release file. */
export const RELEASE_API_VERSION = 'cdk8s-gitops/v1';

/** `kind` of a release file. */
export const RELEASE_KIND = 'Release';

/** Serialize a release state as the `<env>/release.yaml` file. */
export function renderRelease(state: ReleaseState): string {
  return '# Managed by cdk8s-gitops: the image tag each service (version) runs in this environment.\n'
    + '# Change it with `cdk8s-gitops release`, `promote` or `rollback`, not by hand.\n'
    + emitYaml({ apiVersion: RELEASE_API_VERSION, kind: RELEASE_KIND, environment: state.environment, services: state.services });
}
