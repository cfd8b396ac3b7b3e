/**
 * The fast copies of library code in cdk8s-gitops, each kept only where it pays for itself on
 * a figure users wait for (docs/performance.md):
 *
 * - `yaml-emitter`: `emitYaml` (`core/yaml-emitter.ts`) in place of `yaml`'s `stringify`,
 * - `schema-bundle`: the schema validators from the prebuilt bundle (`validate/schema-modules.ts`)
 *   in place of each module read from its package,
 * - `release-file-reader`: a release file in the layout cdk8s-gitops writes read line by line
 *   (`release/release.ts`, accepted only when rendering the result gives back the same text) in
 *   place of `yaml`'s parser.
 */
export type FastCopy = 'yaml-emitter' | 'schema-bundle' | 'release-file-reader';

/**
 * Whether `copy` gives way to the library's own code: the one switch for the test suite and
 * benchmarks (not part of the public API). `CDK8S_GITOPS_ORIGINALS=1` turns every fast copy off
 * (`npm run test:originals` runs the whole suite so: same snapshots, byte for byte); a
 * comma-separated list of names turns off those (`bench/run.ts --originals`, to measure each).
 * Read on every call, so that a test can compare both sides in one process.
 */
export function useOriginals(copy: FastCopy): boolean {
  const value = process.env.CDK8S_GITOPS_ORIGINALS;
  if (value === undefined || value === '' || value === '0') return false;
  return value === '1' || value.split(',').some(name => name.trim() === copy);
}
