import * as fs from 'fs';
import * as path from 'path';
import { outputFolderProblem, protectedFolders } from '../../src/git/output-folder';
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

  test('the project of the working directory (the nearest package.json above it) is refused; folders inside it, and folders holding it, are not', () => {
    const { project, context } = machine();
    expect(outputFolderProblem(project, context)).toBe('is the project folder (it holds package.json)');
    expect(outputFolderProblem(path.join(project, 'src', '..'), context)).toBe('is the project folder (it holds package.json)');
    expect(outputFolderProblem(path.join(project, 'dist'), context)).toBeUndefined();
    expect(outputFolderProblem(path.join(project, 'src'), context)).toBeUndefined(); // refused by ownership: it holds files synth did not write
    // the program kept in a GitOps repository: the repository may be the output folder, synth keeps out of the program
    expect(outputFolderProblem(path.dirname(project), { ...context, home: '/nonexistent-home' })).toBeUndefined();
    expect(protectedFolders(path.dirname(project), context)).toEqual(['project']);
  });

  test('a git working tree is no project of its own: a GitOps repository is an output folder before synth first writes it', () => {
    const { gitops, home } = machine();
    expect(outputFolderProblem(gitops, { cwd: gitops, home })).toBeUndefined();
    fs.writeFileSync(path.join(gitops, 'package.json'), '{}'); // a package.json marks a project
    expect(outputFolderProblem(gitops, { cwd: gitops, home })).toBe('is the project folder (it holds package.json)');
  });

  test('protected folders (the app module\'s) and the project holding each are refused as the output folder, and listed when inside it', () => {
    const { root, home, context } = machine();
    const program = path.join(root, 'gitops', 'program');
    const lib = path.join(program, 'lib', 'src');
    fs.mkdirSync(lib, { recursive: true });
    expect(outputFolderProblem(lib, { ...context, protect: [lib] })).toBe('is the folder of the app module');
    expect(outputFolderProblem(program, { ...context, protect: [lib] })).toBeUndefined(); // no package.json: not a project
    fs.writeFileSync(path.join(program, 'package.json'), '{}');
    expect(outputFolderProblem(program, { ...context, protect: [lib] })).toBe('is the project folder (it holds package.json)');
    const gitops = path.join(root, 'gitops');
    expect(outputFolderProblem(gitops, { ...context, protect: [lib] })).toBeUndefined();
    expect(protectedFolders(gitops, { ...context, protect: [lib] })).toEqual(['program', 'program/lib/src']);
    expect(protectedFolders(path.join(root, 'elsewhere'), { ...context, protect: [lib], home })).toEqual([]);
  });

  test('symbolic links are resolved: a link to the project or to / is refused, a folder not yet made is judged by where it would be', () => {
    const { root, project, context } = machine();
    fs.symlinkSync(project, path.join(root, 'link-to-project'));
    fs.symlinkSync('/', path.join(root, 'link-to-root'));
    expect(outputFolderProblem(path.join(root, 'link-to-project'), context)).toBe('is the project folder (it holds package.json)');
    expect(outputFolderProblem(path.join(root, 'link-to-root'), context)).toBe('is the root of the file system');
    expect(outputFolderProblem(path.join(root, 'link-to-project', 'not', 'yet'), context)).toBeUndefined();
  });
});
