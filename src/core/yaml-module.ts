import type * as YAML from 'yaml';

let loaded: typeof YAML | undefined;

/**
 * The `yaml` package, required on first use: most runs (synth of ASCII manifests, a release
 * of a canonical release file) never parse or write YAML with it.
 */
export function yamlModule(): typeof YAML {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (loaded ??= require('yaml') as typeof YAML);
}
