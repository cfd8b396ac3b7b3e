import { writeTree, WriteTreeOptions, WriteTreeResult } from '../git/write-tree';
import { ConfigError } from '../core/errors';
import { assertValid, SchemaOptions } from '../validate';
import { emitYaml } from '../core/yaml-emitter';
import type { Manifest } from '../core/manifest';

/** What synth renders and writes ({@link GitOpsApp} is one). */
export interface ISynthesizable {
  /** Every manifest of the app. */
  manifests(): Manifest[];
  /** The app's schema settings, over those synth is given. */
  readonly validation: SchemaOptions;
  /** The files of the GitOps layout of `manifests`: path (relative to the output folder) and content, in order. */
  fileEntries(manifests: readonly Manifest[]): Generator<[string, string]>;
}

/** What a synth wrote: every path rendered, those written and those removed (repository-relative, sorted). */
export type SynthResult = WriteTreeResult;

/**
 * Render `app` and write it into `outdir` atomically: construct validations and manifest
 * checks run first, and when anything fails nothing is written. Synth owns only what it
 * writes: see `writeTree` for what it refuses, `force`, and crash recovery.
 */
export function synthesize(app: ISynthesizable, outdir: string, options: SynthOptions = {}): SynthResult {
  const lap = stopwatch(options.timings);
  options.onPhase?.('render');
  const manifests = app.manifests();
  lap('render');
  options.onPhase?.('validate', manifests.length);
  assertValid(manifests, { ...options.validation, ...app.validation }); // throws, listing every finding, before anything is written
  lap('validate');
  options.onPhase?.('write', manifests.length);
  // each file is made and written in turn (nothing half-written: writeTree swaps at the end)
  const result = writeTree(outdir, app.fileEntries(manifests), options);
  lap('write');
  return result;
}

/** Options of {@link synthesize}: those of `writeTree` (`force`, `protect`, ...), and timings. */
export interface SynthOptions extends WriteTreeOptions {
  /**
   * Filled with the seconds each phase took: `render` (construct validations and objects),
   * `validate`, `write` (YAML and files, one file at a time). For benchmarks.
   * @default - not measured
   */
  readonly timings?: Record<string, number>;
  /**
   * Called as each phase starts, with the number of objects once they are rendered: for
   * progress reports.
   * @default - none
   */
  readonly onPhase?: (phase: 'render' | 'validate' | 'write', objects?: number) => void;
  /**
   * Schema settings under the program's (`GitOpsAppProps.validation`, which replaces each
   * setting it gives): the CLI passes package.json's `"cdk8s-gitops".validation`.
   * @default - the program's settings only
   */
  readonly validation?: SchemaOptions;
}

function stopwatch(timings: Record<string, number> | undefined): (phase: string) => void {
  if (!timings) return () => undefined;
  let last = process.hrtime.bigint();
  return phase => {
    const now = process.hrtime.bigint();
    timings[phase] = Number(now - last) / 1e9;
    last = now;
  };
}

/** Options of {@link renderStream}. */
export interface RenderStreamOptions {
  /**
   * Print only the objects of this environment's folder (`dev/...`).
   * @default - every environment
   */
  readonly env?: string;
  /**
   * With `env`: print only the objects of this app folder of it (`dev/ab-testing/...`).
   * @default - every folder of the environment
   */
  readonly folder?: string;
  /**
   * Schema settings under the program's (see {@link SynthOptions.validation}).
   * @default - the program's settings only
   */
  readonly validation?: SchemaOptions;
}

/**
 * Render `app` as one multi-document YAML stream, as `cdk8s synth --stdout` and `helm template`
 * print (for an Argo CD Config Management Plugin's `generate`): every object of the repository
 * layout, sorted by the file synth writes it to, without the release files. Everything is
 * checked first, as by {@link synthesize} (the whole app, whatever is printed): a failure throws
 * and nothing is returned. Writes nothing.
 *
 * @throws ConfigError when `env` or `folder` names no folder of the app; Error listing every
 *   failed check
 */
export function renderStream(app: ISynthesizable, options: RenderStreamOptions = {}): string {
  if (options.folder !== undefined && options.env === undefined) throw new ConfigError('renderStream', 'folder', options.folder, 'needs env: an app folder is inside an environment\'s folder');
  const manifests = app.manifests();
  assertValid(manifests, { ...options.validation, ...app.validation });
  const prefix = options.env === undefined ? '' : options.folder === undefined ? `${options.env}/` : `${options.env}/${options.folder}/`;
  const selected = manifests.filter(m => m.path.startsWith(prefix));
  if (selected.length === 0) {
    const folders = [...new Set(manifests.map(m => m.path.split('/').slice(0, options.folder === undefined ? 1 : 2).join('/')))];
    throw new ConfigError('renderStream', options.folder === undefined ? 'env' : 'folder', options.folder === undefined ? options.env : `${options.env}/${options.folder}`,
      `is not a folder the app renders objects into; it has ${folders.map(f => JSON.stringify(f)).join(', ')}`);
  }
  return selected.map(m => emitYaml(m.object)).join('---\n');
}
