import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { InputError } from '../core/errors';
import { Manifest } from '../core/manifest';
import { isDnsLabel } from '../core/names';
import { loadManifests, parseManifests } from '../validate/load';

/** Where one environment's manifests come from: `dev=DIR`, `prod=overlays/prod` (a kustomization), `prod=-` (stdin). */
export interface AdoptSource {
  /** Environment name. */
  readonly environment: string;
  /** The folder, file or kustomization as given, or `-` for standard input. */
  readonly source: string;
}

/** How a source was read, for the report. */
export type SourceKind = 'folder' | 'file' | 'kustomize' | 'stdin';

/** One environment's input objects. */
export interface AdoptInput {
  readonly environment: string;
  readonly source: string;
  readonly kind: SourceKind;
  /** The objects, each with the file it came from (`<stdin>#N`, `<kustomize>#N` for streams). */
  readonly manifests: Manifest[];
}

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** Parse `--env NAME=SOURCE` values; names are DNS labels, each given once, `-` at most once. */
export function parseSources(values: readonly string[], flag = '--env'): AdoptSource[] {
  const seen = new Set<string>();
  const out = values.map(v => {
    const eq = v.indexOf('=');
    const environment = eq > 0 ? v.slice(0, eq) : '';
    const source = eq > 0 ? v.slice(eq + 1) : '';
    if (!isDnsLabel(environment) || source === '') {
      throw new InputError(`${flag}: ${JSON.stringify(v)} must be NAME=SOURCE: an environment name (a DNS-1123 label such as "dev") and a folder of manifests, a kustomization folder, or - for standard input`);
    }
    if (seen.has(environment)) throw new InputError(`${flag}: environment ${JSON.stringify(environment)} is given twice`);
    seen.add(environment);
    return { environment, source };
  });
  if (out.filter(s => s.source === '-').length > 1) throw new InputError(`${flag}: only one environment can read standard input (-)`);
  if (out.length === 0) throw new InputError(`${flag} is required: one or more NAME=SOURCE, such as --env dev=overlays/dev --env prod=overlays/prod`);
  return out;
}

/**
 * Read one source: standard input (`helm template` output), a kustomization folder (rendered
 * with `kubectl kustomize`, or `kustomize build` when kubectl is missing), a folder of YAML
 * files (recursively), or one file. `List` objects are expanded into their items.
 */
export function readSource(s: AdoptSource, cwd: string, stdin: () => string): AdoptInput {
  if (s.source === '-') {
    return { ...s, kind: 'stdin', manifests: expandLists(parseManifests(stdin(), '<stdin>', i => `<stdin>#${i + 1}`)) };
  }
  const at = path.resolve(cwd, s.source);
  const stat = fs.statSync(at, { throwIfNoEntry: false });
  if (stat === undefined) throw new InputError(`--env ${s.environment}=${s.source}: ${at} does not exist`);
  if (stat.isDirectory() && KUSTOMIZATION_FILES.some(f => fs.existsSync(path.join(at, f)))) {
    return { ...s, kind: 'kustomize', manifests: expandLists(parseManifests(kustomize(at, s), '<kustomize>', i => `<kustomize>#${i + 1}`)) };
  }
  return { ...s, kind: stat.isDirectory() ? 'folder' : 'file', manifests: expandLists(loadManifests(at)) };
}

/** `kubectl kustomize DIR`, else `kustomize build DIR`: whichever is on PATH. */
function kustomize(dir: string, s: AdoptSource): string {
  const tools: [string, string[]][] = [['kubectl', ['kustomize', dir]], ['kustomize', ['build', dir]]];
  for (const [cmd, args] of tools) {
    const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') continue;
    if (r.status !== 0) {
      throw new InputError(`--env ${s.environment}=${s.source}: \`${cmd} ${args.join(' ')}\` failed (exit ${r.status ?? r.signal}): ${(r.stderr || r.error?.message || '').trim().split('\n').slice(0, 5).join('\n')}`);
    }
    return r.stdout;
  }
  throw new InputError(`--env ${s.environment}=${s.source}: a kustomization needs kubectl (kubectl kustomize) or kustomize on PATH, and neither is; `
    + `install one, or render it yourself and pass the output: kustomize build ${s.source} | cdk8s-gitops adopt --env ${s.environment}=-`);
}

/** Replace each `v1 List` (as `kubectl get -o yaml` writes) by its items. */
function expandLists(ms: Manifest[]): Manifest[] {
  return ms.flatMap(m => (m.object?.kind === 'List' && Array.isArray(m.object.items) ? m.object.items.map((object: any) => ({ path: m.path, object })) : [m]));
}
