/**
 * The one switch between cdk8s-gitops's fast copies of library code and the libraries' own
 * code, for the test suite and benchmarks only (not part of the public API):
 * `CDK8S_GITOPS_ORIGINALS=1` makes
 *
 * - `ManifestObject.toJson()` (`manifest-object.ts`) cdk8s's own `ApiObject.toJson()`,
 * - `emitYaml` (`yaml-emitter.ts`) `yaml`'s `stringify`,
 * - the schema validators (`validate/schema-modules.ts`) load each module from its package
 *   instead of from the prebuilt bundle,
 * - `git fast-import` (`gitops/git.ts`) run with glibc's default malloc settings.
 *
 * `npm run test:originals` runs the whole suite so: the output must be byte-identical (same
 * snapshots). `bench/originals.ts` measures what each copy pays (docs/performance.md).
 * Read on every call, so that a test can compare both sides in one process.
 */
export function useOriginals(): boolean {
  return process.env.CDK8S_GITOPS_ORIGINALS === '1';
}
