/**
 * The pure release functions of the flows (rotation, adoption, shifting, the changes between
 * two releases) applied to release files: the tests state their cases as release files (what a
 * user reads in `<env>/release.yaml`), the functions work on the release value
 * (`EnvironmentRelease`); each adapter reads the files in and the result out as a release file.
 */
import { EnvironmentRelease } from '../../src/release/environment-release';
import { ReleaseState } from '../../src/release/release';
import * as rotation from '../../src/gitops/rotation';
import { rollbackSubject as subject } from '../../src/gitops/rollback-flow';
import { shifted as shiftedRelease } from '../../src/gitops/shift-flow';

/** The release value of a release file. */
export const release = (state: ReleaseState): EnvironmentRelease => EnvironmentRelease.fromFile(state);

export function rotate(state: ReleaseState, tag: string, services?: readonly string[], options?: rotation.RotateOptions): Omit<rotation.Rotation, 'release'> & { state: ReleaseState } {
  const { release: next, ...rest } = rotation.rotate(release(state), tag, services, options);
  return { ...rest, state: next.toFile() };
}

export function adopt(target: ReleaseState, source: ReleaseState, options?: rotation.AdoptOptions): ReleaseState {
  return rotation.adopt(release(target), release(source), options).toFile();
}

export function shifted(state: ReleaseState, services: readonly string[], weights: Readonly<Record<string, number>>): ReleaseState {
  return shiftedRelease(release(state), services, weights).toFile();
}

export const changesBetween = (before: ReleaseState, after: ReleaseState): rotation.TagChange[] => rotation.changesBetween(release(before), release(after));
export const weightChangesBetween = (before: ReleaseState, after: ReleaseState): rotation.WeightChange[] => rotation.weightChangesBetween(release(before), release(after));
export const rollbackSubject = (label: string, current: ReleaseState, restored: ReleaseState): string => subject(label, release(current), release(restored));
export const headlineTag = (state: ReleaseState): string | undefined => rotation.headlineTag(state);
