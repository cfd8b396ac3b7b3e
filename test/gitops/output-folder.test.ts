import * as fs from 'fs';
import * as path from 'path';
import { outputFolderProblem } from '../../src/gitops/output-folder';
import { OWNERSHIP_RECORD } from '../../src/gitops/ownership-record';
import { tempDir } from '../temp-dir';

/** A temporary "machine": home/, home/work/project (package.json) with src/, and a GitOps clone. */
function machine() {
  const root = tempDir('output-folder');
  const home = path.join(root, 'home');
  const project = path.join(home, 'work', 'project');
  fs.mkdirSync(path.join(project, 'src'), { recursive: true });
  fs.writeFileSync(path.join(project, 'package.json'), '{}');
  const gitops = path.join(home, 'work', 'gitops');
  fs.mkdirSync(path.join(gitops, '.git'), { recursive: true });
  return { root, home, project, gitops, context: { cwd: path.join(project, 'src'), home } };
}

describe('outputFolderProblem', () => {
  test('the file system root, the home folder and every ancestor of it are never output folders', () => {
    const { root, home, context } = machine();
    expect(outputFolderProblem('/', context)).toBe('is the root of the file system');
    expect(outputFolderProblem(home, context)).toBe('is your home folder');
    expect(outputFolderProblem(root, context)).toBe(`contains your home folder (${fs.realpathSync(home)})`);
  });

  test('the project of the working directory (package.json or .git above it) and its ancestors are refused; folders inside it are not', () => {
    const { project, context } = machine();
    expect(outputFolderProblem(project, context)).toBe('is the project folder (it holds package.json or .git)');
    expect(outputFolderProblem(path.join(project, 'src', '..'), context)).toBe('is the project folder (it holds package.json or .git)');
    expect(outputFolderProblem(path.dirname(project), { ...context, home: '/nonexistent-home' })).toBe(`contains the project folder ${fs.realpathSync(project)}`);
    expect(outputFolderProblem(path.join(project, 'dist'), context)).toBeUndefined();
    expect(outputFolderProblem(path.join(project, 'src'), context)).toBeUndefined(); // refused by ownership: it holds files synth did not write
  });

  test('a git working tree is the project, unless it holds synth\'s record (a GitOps repository synth writes to)', () => {
    const { gitops, home } = machine();
    const context = { cwd: gitops, home };
    expect(outputFolderProblem(gitops, context)).toBe('is the project folder (it holds package.json or .git)');
    fs.writeFileSync(path.join(gitops, OWNERSHIP_RECORD), '');
    expect(outputFolderProblem(gitops, context)).toBeUndefined();
    fs.writeFileSync(path.join(gitops, 'package.json'), '{}'); // a package.json always marks a project
    expect(outputFolderProblem(gitops, context)).toBe('is the project folder (it holds package.json or .git)');
  });

  test('protected folders (the app module\'s) and their ancestors are refused', () => {
    const { root, home, context } = machine();
    const lib = path.join(root, 'elsewhere', 'lib', 'src');
    fs.mkdirSync(lib, { recursive: true });
    expect(outputFolderProblem(lib, { ...context, protect: [lib] })).toBe('is the folder of the app module');
    expect(outputFolderProblem(path.join(root, 'elsewhere'), { ...context, protect: [lib] })).toBe(`contains the app module's folder ${fs.realpathSync(lib)}`);
    expect(outputFolderProblem(path.join(root, 'elsewhere', 'out'), { ...context, protect: [lib], home })).toBeUndefined();
  });

  test('symbolic links are resolved: a link to the project or to / is refused, a folder not yet made is judged by where it would be', () => {
    const { root, project, context } = machine();
    fs.symlinkSync(project, path.join(root, 'link-to-project'));
    fs.symlinkSync('/', path.join(root, 'link-to-root'));
    expect(outputFolderProblem(path.join(root, 'link-to-project'), context)).toBe('is the project folder (it holds package.json or .git)');
    expect(outputFolderProblem(path.join(root, 'link-to-root'), context)).toBe('is the root of the file system');
    expect(outputFolderProblem(path.join(root, 'link-to-project', 'not', 'yet'), context)).toBeUndefined();
  });
});
