import type * as YAML from 'yaml';

let loaded: typeof YAML | undefined;

/**
 * The `yaml` module, loaded on first use. cdk8s bundles its own copy of `yaml` and loads it
 * at start-up; when that copy is the same version as ours (both come from the lock file), it
 * is used instead of loading a second, identical copy (about 20 ms of every synth).
 */
export function yamlModule(): typeof YAML {
  if (loaded) return loaded;
  /* eslint-disable @typescript-eslint/no-require-imports */
  const ours = require('yaml/package.json').version as string;
  try {
    const cdk8sDir = require('path').dirname(require.resolve('cdk8s/package.json')) as string;
    const theirs = require.resolve('yaml/package.json', { paths: [cdk8sDir] });
    if (require(theirs).version === ours) loaded = require(require.resolve('yaml', { paths: [cdk8sDir] })) as typeof YAML;
  } catch {
    // cdk8s without a bundled yaml: ours below
  }
  loaded ??= require('yaml') as typeof YAML;
  /* eslint-enable @typescript-eslint/no-require-imports */
  return loaded;
}
