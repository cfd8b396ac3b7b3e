/**
 * What the adopted program renders, checked as synth checks it and pinned by a snapshot: a change
 * to the manifests shows up here as a snapshot diff (`npx jest -u` accepts it).
 */
import { validateManifests } from 'cdk8s-gitops';
import { createApp } from './main';

test('every environment renders, passes the checks, and matches the snapshot', () => {
  const app = createApp();
  expect(validateManifests(app.manifests()).findings).toEqual([]);
  expect(Object.fromEntries(app.files())).toMatchSnapshot();
});
