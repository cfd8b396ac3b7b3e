/**
 * A tiny program for the fault-injection tests whose output changes with
 * `$FAULT_FIXTURE_VARIANT`: `old` (dev/a: one, two; prod/b: x) or `new` (dev/a: one changed,
 * three; prod gone; qa/c: y). Going from old to new replaces, adds and removes files, leaves a
 * folder empty and makes a new one: every kind of step of synth's swap.
 */
import { ApiObject } from 'cdk8s';
import { GitOpsApp, GitOpsAppProps } from '../../src/app/gitops-app';
import { RepositoryChart } from '../../src/model/repository-chart';

/** The ConfigMaps (folder -> name -> data) of each variant. */
export const VARIANTS: Record<string, Record<string, Record<string, Record<string, string>>>> = {
  old: { 'dev/a': { one: { v: '1' }, two: { v: '2' } }, 'prod/b': { x: { v: 'x' } } },
  new: { 'dev/a': { one: { v: '1 changed' }, three: { v: '3' } }, 'qa/c': { y: { v: 'y' } } },
};

/** The program entry point `--app` loads. */
export function createApp(props: GitOpsAppProps): GitOpsApp {
  const variant = process.env.FAULT_FIXTURE_VARIANT ?? 'old';
  const app = new GitOpsApp(props);
  for (const [folder, maps] of Object.entries(VARIANTS[variant])) {
    const chart = new RepositoryChart(app, folder.replace('/', '-'), { path: folder });
    for (const [name, data] of Object.entries(maps)) {
      new ApiObject(chart, name, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });
    }
  }
  return app;
}
