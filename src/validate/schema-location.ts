import * as fs from 'fs';
import * as path from 'path';
import { schemaFormats, ValidateFunction } from './schema-modules';

/**
 * Where the JSON schemas of kinds without a built-in schema (custom resources such as
 * cert-manager's `Certificate`) are, in kubeconform's `-schema-location` convention.
 */
export class SchemaLocation {
  /**
   * Parse a location: a folder in the layout of the CRDs catalog kubeconform users share
   * (`DIR/<group>/<kind>_<version>.json`, e.g. `schemas/cert-manager.io/certificate_v1.json`),
   * or a path template with kubeconform's variables (`{{ .Group }}`, `{{ .ResourceKind }}`,
   * `{{ .ResourceAPIVersion }}`, `{{ .KindSuffix }}`, `{{ .NormalizedKubernetesVersion }}`,
   * `{{ .StrictSuffix }}`). Relative paths are relative to `baseDir`. URLs are refused: validate
   * reads schemas offline only.
   *
   * @throws Error naming the location and what is allowed
   */
  public static parse(location: string, kubernetesVersion: string, baseDir: string = process.cwd()): SchemaLocation {
    if (typeof location !== 'string' || location.trim() === '') {
      throw new Error(`schema location ${JSON.stringify(location)} is blank: give a folder or a path template`);
    }
    if (isUrl(location)) {
      throw new Error(`schema location ${JSON.stringify(location)} is a URL: validate never uses the network; download the schemas into a folder (e.g. a clone of the CRDs catalog) and give that folder or a path template into it`);
    }
    if (location.includes('{{')) {
      for (const m of location.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)) {
        if (!TEMPLATE_VARIABLES.includes(m[1])) {
          throw new Error(`schema location ${JSON.stringify(location)}: ${JSON.stringify(m[0])} is not a variable kubeconform defines; use ${TEMPLATE_VARIABLES.map(v => `{{ ${v} }}`).join(', ')}`);
        }
      }
      return new SchemaLocation(location, path.resolve(baseDir, location), kubernetesVersion);
    }
    const dir = path.resolve(baseDir, location);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
      throw new Error(`schema location ${JSON.stringify(location)} is not a folder (${dir}): give a folder of <group>/<kind>_<version>.json files or a path template with {{ .Group }}, {{ .ResourceKind }}, ...`);
    }
    return new SchemaLocation(location, path.join(dir, '{{ .Group }}', '{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json'), kubernetesVersion);
  }

  private constructor(
    /** The location as given. */
    public readonly location: string,
    private readonly template: string,
    private readonly kubernetesVersion: string,
  ) {}

  /** The file the schema of `apiVersion`/`kind` would be at (kubeconform's expansion of the template). */
  public fileFor(apiVersion: string, kind: string): string {
    const parts = apiVersion.split('/');
    const group = parts.length > 1 ? parts[0] : '';
    const version = parts[parts.length - 1];
    const values: Record<string, string> = {
      '.NormalizedKubernetesVersion': `v${this.kubernetesVersion}.0`,
      '.StrictSuffix': '-strict',
      '.ResourceKind': kind.toLowerCase(),
      '.ResourceAPIVersion': version,
      // kubeconform names the core group by its version
      '.Group': (group || version).toLowerCase(),
      '.KindSuffix': `-${(group ? group.split('.')[0] : version).toLowerCase()}${group ? `-${version.toLowerCase()}` : ''}`,
    };
    return this.template.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_m, name: string) => values[name]);
  }
}

/** Whether a schema location is a URL (`https://...`), which validate refuses. */
export function isUrl(location: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(location);
}

/** The template variables of kubeconform's `-schema-location`. */
const TEMPLATE_VARIABLES: readonly string[] = ['.Group', '.ResourceKind', '.ResourceAPIVersion', '.KindSuffix', '.NormalizedKubernetesVersion', '.StrictSuffix'];

const compiled = new Map<string, ValidateFunction | string>();

/**
 * The compiled validator of the JSON schema in `file` (read and compiled once), or why it
 * cannot be used. A `$schema` naming draft 4, 6 or 7 is dropped (the schemas kubeconform's tools
 * write are compatible with draft 7, which ajv compiles); Kubernetes' `x-kubernetes-*`
 * keywords are ignored.
 */
export function compileSchemaFile(file: string): ValidateFunction | string {
  let validate = compiled.get(file);
  if (validate === undefined) {
    validate = compile(file);
    compiled.set(file, validate);
  }
  return validate;
}

function compile(file: string): ValidateFunction | string {
  let schema: any;
  try {
    schema = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e: any) {
    return `schema file ${file} cannot be read as JSON: ${e?.message ?? e}`;
  }
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return `schema file ${file} is not a JSON schema (an object)`;
  if (typeof schema.$schema === 'string' && /draft-0[467]\/schema/.test(schema.$schema)) {
    const { $schema: _dropped, ...rest } = schema;
    schema = rest;
  }
  try {
    return ajv().compile(schema) as ValidateFunction;
  } catch (e: any) {
    return `schema file ${file} is not a JSON schema ajv can compile: ${e?.message ?? e}`;
  }
}

let instance: any;

function ajv(): any {
  if (instance) return instance;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Ajv = require('ajv').default;
  instance = new Ajv({ strict: false, allErrors: true, logger: false, addUsedSchema: false, formats: schemaFormats() });
  return instance;
}
