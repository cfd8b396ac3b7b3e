import * as fs from 'fs';
import * as path from 'path';
import type { GitOpsApp, GitOpsAppProps } from '../gitops-app';
import { UsageError } from './main';

/** What a cdk8s-gitops program module exports: a factory for its app. */
export type AppFactory = (props: GitOpsAppProps) => GitOpsApp;

/**
 * Load the program (`--app MODULE`): a JavaScript module exporting `createApp(props)`.
 * Default: `lib/src/main.js` under the current directory when present, else the reference
 * app shipped with this package.
 */
export function loadAppFactory(modulePath?: string): AppFactory {
  const found = appModulePath(modulePath);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(found);
  if (typeof mod.createApp !== 'function') {
    throw new UsageError(`app module ${found} does not export createApp(props)`);
  }
  return mod.createApp as AppFactory;
}

/** The absolute path of the program module {@link loadAppFactory} loads (same defaults). */
export function appModulePath(modulePath?: string): string {
  const candidates = modulePath !== undefined
    ? [path.resolve(modulePath)]
    : [path.resolve('lib/src/main.js'), path.join(__dirname, '..', 'main.js')];
  const found = candidates.find(c => fs.existsSync(c));
  if (!found) {
    throw new UsageError(`app module not found: ${candidates.join(' or ')} (build it with \`npm run build\`, or pass --app MODULE)`);
  }
  return found;
}
