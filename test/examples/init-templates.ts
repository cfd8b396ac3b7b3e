/**
 * The CI templates `cdk8s-gitops init --ci github|jenkins` writes, rendered from the package's
 * templates/ exactly as init renders them (its `projectFiles`: the pins filled in) into a
 * temporary folder of the test file, so that the checks of examples/ run over them too.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CiSystem, projectFiles } from '../../src/cli/init';
import { tempDir } from '../temp-dir';
import { SCAFFOLDS } from './templates';

const written = new Map<CiSystem, string>();

/** The folder holding the project `init --ci <ci>` writes (written once per test file). */
export function scaffold(ci: CiSystem): string {
  let dir = written.get(ci);
  if (dir === undefined) {
    dir = tempDir(`init-${ci}`);
    for (const [file, text] of projectFiles('web-platform', ci)) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    }
    written.set(ci, dir);
    SCAFFOLDS.set(dir, `init --ci ${ci}`);
  }
  return dir;
}

/** The app repository's workflow of `init --ci github`. */
export const initAppWorkflow = () => path.join(scaffold('github'), 'app-repo/.github/workflows/delivery.yml');
/** The GitOps repository's workflow of `init --ci github`. */
export const initGitopsWorkflow = () => path.join(scaffold('github'), 'gitops-repo/.github/workflows/validate.yml');
/** Both workflows of `init --ci github`. */
export const initWorkflows = () => [initAppWorkflow(), initGitopsWorkflow()];
/** The Dependabot configurations of `init --ci github`. */
export const initDependabot = () => ['app-repo/.github/dependabot.yml', 'gitops-repo/.github/dependabot.yml'].map(f => path.join(scaffold('github'), f));
/** The Jenkinsfile of `init --ci jenkins`. */
export const initJenkinsfile = () => path.join(scaffold('jenkins'), 'app-repo/Jenkinsfile');
