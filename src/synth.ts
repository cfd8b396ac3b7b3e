import { GitOpsApp } from './gitops-app';
import { writeTree } from './gitops/write-tree';
import { assertValid } from './validate';

/** What a synth wrote. */
export interface SynthResult {
  /** Repository-relative paths written, sorted. */
  readonly files: string[];
}

/**
 * Render `app` and write it into `outdir` atomically: construct validations and manifest
 * checks run first, and when anything fails nothing is written.
 */
export function synthesize(app: GitOpsApp, outdir: string): SynthResult {
  const manifests = app.manifests();
  assertValid(manifests); // throws, listing every finding, before anything is written
  const files = app.files(manifests);
  writeTree(outdir, files);
  return { files: [...files.keys()] };
}
