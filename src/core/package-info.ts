import * as fs from 'fs';
import * as path from 'path';

/** What this package says about itself in its package.json. */
export interface PackageInfo {
  readonly name: string;
  readonly version: string;
  /** Where to read about it: package.json's `homepage`, else its npm page. */
  readonly homepage: string;
}

let cached: PackageInfo | undefined;

/**
 * This package's name, version and homepage, read from its package.json (the nearest one
 * above this module named `cdk8s-gitops`, so it works from `src/` and from `lib/src/`).
 */
export function packageInfo(): PackageInfo {
  if (cached) return cached;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (pkg.name === 'cdk8s-gitops') {
        cached = { name: pkg.name, version: pkg.version, homepage: pkg.homepage ?? `https://www.npmjs.com/package/${pkg.name}` };
        return cached;
      }
    }
    if (path.dirname(dir) === dir) throw new Error(`package.json of cdk8s-gitops not found above ${__dirname}`);
  }
}
