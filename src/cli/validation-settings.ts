import * as fs from 'fs';
import * as path from 'path';
import type { SchemaOptions } from '../validate';
import { DEFAULT_KUBERNETES_VERSION, KUBERNETES_VERSIONS } from '../validate/kubernetes-version';
import { schemaContext } from '../validate/schema';
import { isUrl } from '../validate/schema-location';
import { PACKAGE_FIELD } from './app-module';
import { defineOptions, OptionValues } from './args';
import { UsageError } from '../core/errors';

/** The flags of the schema settings (validate's; synth takes them from the program or package.json). */
export const SCHEMA_OPTIONS = defineOptions({
  'kubernetes-version': {
    type: 'string',
    value: 'X.Y',
    description: `the Kubernetes minor to check against: ${KUBERNETES_VERSIONS.join(', ')}\n(default ${DEFAULT_KUBERNETES_VERSION}, the oldest one upstream supports)`,
  },
  'schema-location': {
    type: 'string',
    repeatable: true,
    value: 'DIR|TEMPLATE',
    description: 'JSON schemas of other kinds (CRDs), tried in order (repeatable): a\n'
      + 'folder of <group>/<kind>_<version>.json files (e.g.\n'
      + 'cert-manager.io/certificate_v1.json) or a path template with\n'
      + "kubeconform's variables ({{ .Group }}, {{ .ResourceKind }},\n"
      + '{{ .ResourceAPIVersion }}, {{ .KindSuffix }}, ...); offline: no URLs',
  },
  'skip': {
    type: 'string',
    repeatable: true,
    value: 'KIND',
    description: 'do not schema-check objects of this kind (Certificate) or\n'
      + 'apiVersion/kind (cert-manager.io/v1/Certificate); repeatable, or\n'
      + 'comma-separated. The same settings are read from package.json:\n'
      + '"cdk8s-gitops": {"validation": {"kubernetesVersion", "schemaLocations",\n'
      + '"skip"}}; a flag replaces the setting of the same name',
  },
});

/** The key of the schema settings in the `"cdk8s-gitops"` field of package.json. */
export const VALIDATION_FIELD = 'validation';

/**
 * The schema settings of `package.json` in `cwd`: `"cdk8s-gitops": { "validation": {
 * "kubernetesVersion": "1.34", "schemaLocations": ["schemas"], "skip": ["Certificate"] } }`,
 * with relative schema locations resolved against that folder. None without the file or field.
 *
 * @throws UsageError naming the file, the field, the value and what is allowed
 */
export function packageSchemaSettings(cwd: string = process.cwd()): SchemaOptions {
  const file = path.join(cwd, 'package.json');
  let pkg: any;
  try {
    pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e: any) {
    if (e?.code === 'ENOENT') return {};
    throw new UsageError(`${file}: cannot read it for the validation settings (${e?.message ?? e})`);
  }
  const settings = pkg?.[PACKAGE_FIELD]?.[VALIDATION_FIELD];
  if (settings === undefined) return {};
  const at = `${file}: "${PACKAGE_FIELD}".${VALIDATION_FIELD}`;
  if (settings === null || typeof settings !== 'object' || Array.isArray(settings)) throw new UsageError(`${at}: ${JSON.stringify(settings)} must be an object ({ "kubernetesVersion": "1.33", "schemaLocations": [...], "skip": [...] })`);
  const known = ['kubernetesVersion', 'schemaLocations', 'skip'];
  for (const key of Object.keys(settings)) {
    if (!known.includes(key)) throw new UsageError(`${at}.${key}: unknown setting; known: ${known.join(', ')}`);
  }
  const { kubernetesVersion, schemaLocations, skip } = settings;
  if (kubernetesVersion !== undefined && typeof kubernetesVersion !== 'string') throw new UsageError(`${at}.kubernetesVersion: ${JSON.stringify(kubernetesVersion)} must be a string such as "1.33"`);
  const strings = (name: string, value: unknown): string[] | undefined => {
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || value.some(v => typeof v !== 'string')) throw new UsageError(`${at}.${name}: ${JSON.stringify(value)} must be a list of strings`);
    return value;
  };
  const locations = strings('schemaLocations', schemaLocations);
  const result: SchemaOptions = {
    ...(kubernetesVersion !== undefined ? { kubernetesVersion } : {}),
    ...(locations !== undefined ? { schemaLocations: locations.map(l => (isUrl(l) || l.trim() === '' ? l : path.resolve(cwd, l))) } : {}),
    ...(skip !== undefined ? { skip: strings('skip', skip) } : {}),
  };
  checkSchemaSettings(result, at);
  return result;
}

/**
 * The schema settings of validate's flags over those of package.json (a flag replaces the
 * setting of the same name).
 *
 * @throws UsageError for a value the schema check cannot use
 */
export function schemaSettings(values: OptionValues, cwd: string = process.cwd()): SchemaOptions {
  const fromPackage = packageSchemaSettings(cwd);
  const version = values['kubernetes-version'] as string | undefined;
  const locations = values['schema-location'] as string[] | undefined;
  const skip = (values.skip as string[] | undefined)?.flatMap(s => s.split(',').map(k => k.trim()));
  const result: SchemaOptions = {
    ...fromPackage,
    ...(version !== undefined ? { kubernetesVersion: version } : {}),
    ...(locations !== undefined ? { schemaLocations: locations.map(l => (isUrl(l) || l.trim() === '' ? l : path.resolve(cwd, l))) } : {}),
    ...(skip !== undefined ? { skip } : {}),
  };
  checkSchemaSettings(result);
  return result;
}

/** Check schema settings up front, so a bad one is a usage error and not a failed check. */
export function checkSchemaSettings(settings: SchemaOptions, where?: string): void {
  try {
    schemaContext(settings);
  } catch (e: any) {
    throw new UsageError(`${where !== undefined ? `${where}: ` : ''}${e?.message ?? e}`);
  }
}
