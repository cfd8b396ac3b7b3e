/**
 * What the program renders, checked as synth checks it and pinned by a snapshot: a change to
 * the manifests shows up here as a snapshot diff (`npx jest -u` accepts it).
 */
import { validateManifests } from 'cdk8s-gitops';
import { createApp, ENVIRONMENTS } from './main';

test('every environment renders, passes the checks, and matches the snapshot', () => {
  const app = createApp();
  expect(app.environments).toEqual(ENVIRONMENTS.map(e => e.name));
  expect(validateManifests(app.manifests()).findings).toEqual([]);
  expect(app.files()).toMatchSnapshot(); // a Map: no library newer than cdk8s's stock tsconfig (lib es2016) needed
});
