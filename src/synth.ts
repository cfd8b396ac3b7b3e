import type { GitOpsApp } from './gitops-app';
import { writeTree, WriteTreeOptions, WriteTreeResult } from './gitops/write-tree';
import { assertValid } from './validate';

/** What a synth wrote: every path rendered, those written and those removed (repository-relative, sorted). */
export type SynthResult = WriteTreeResult;

/**
 * Render `app` and write it into `outdir` atomically: construct validations and manifest
 * checks run first, and when anything fails nothing is written. Synth owns only what it
 * writes: see `writeTree` for what it refuses, `force`, and crash recovery.
 */
export function synthesize(app: GitOpsApp, outdir: string, options: SynthOptions = {}): SynthResult {
  const lap = stopwatch(options.timings);
  options.onPhase?.('render');
  const manifests = app.manifests();
  lap('render');
  options.onPhase?.('validate', manifests.length);
  assertValid(manifests); // throws, listing every finding, before anything is written
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
