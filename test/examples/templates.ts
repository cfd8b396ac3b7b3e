/**
 * The CI templates of examples/ as the tests read them: GitHub Actions workflows parsed with the
 * `yaml` package, the Jenkinsfile as Groovy text (its shell scripts unescaped the way Groovy
 * hands them to `sh`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';

export const EXAMPLES = path.join(__dirname, '..', '..', 'examples');
export const APP_WORKFLOW = path.join(EXAMPLES, 'app-repo/.github/workflows/delivery.yml');
export const GITOPS_WORKFLOW = path.join(EXAMPLES, 'gitops-repo/.github/workflows/validate.yml');
export const WORKFLOWS = [APP_WORKFLOW, GITOPS_WORKFLOW];
export const DEPENDABOT = [path.join(EXAMPLES, 'app-repo/.github/dependabot.yml'), path.join(EXAMPLES, 'gitops-repo/.github/dependabot.yml')];
export const JENKINSFILE = path.join(EXAMPLES, 'jenkins/Jenkinsfile');

/** Folders holding a project `init` wrote (see init-templates.ts), with their names in messages. */
export const SCAFFOLDS = new Map<string, string>();

/** A template's name in messages: its path under examples/, or under the project `init --ci X` wrote. */
export function templateName(file: string): string {
  for (const [root, label] of SCAFFOLDS) if (file.startsWith(`${root}${path.sep}`)) return `${label}: ${path.relative(root, file)}`;
  return path.relative(EXAMPLES, file);
}

/** A step of a workflow job. */
export interface Step {
  readonly name?: string;
  readonly id?: string;
  readonly uses?: string;
  readonly if?: string;
  readonly run?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, string>;
}

/** A job of a workflow. */
export interface Job {
  readonly needs?: string | string[];
  readonly permissions?: Record<string, string> | string;
  readonly concurrency?: { readonly group: string; readonly 'cancel-in-progress'?: boolean | string };
  readonly 'timeout-minutes'?: number;
  readonly steps: Step[];
  readonly [key: string]: unknown;
}

/** A workflow file, parsed. */
export interface Workflow {
  readonly permissions?: Record<string, string> | string;
  readonly jobs: Record<string, Job>;
  readonly [key: string]: unknown;
}

/** The workflow in `file`, or in `text` when given (a changed copy). */
export function readWorkflow(file: string, text = fs.readFileSync(file, 'utf8')): Workflow {
  return parse(text) as Workflow;
}

/** Every step of every job, with the job's id. */
export function stepsOf(wf: Workflow): Array<{ job: string; step: Step }> {
  return Object.entries(wf.jobs).flatMap(([job, j]) => j.steps.map(step => ({ job, step })));
}

/** A shell script of a template, and where it is. */
export interface Script {
  /** File (relative to examples/) and job/step or stage. */
  readonly where: string;
  readonly text: string;
}

/** The `run:` scripts of a workflow file. */
export function workflowScripts(file: string): Script[] {
  const rel = templateName(file);
  return stepsOf(readWorkflow(file)).filter(s => s.step.run !== undefined)
    .map(({ job, step }) => ({ where: `${rel}: ${job}: ${step.name ?? step.id ?? step.run!.split('\n')[0]}`, text: step.run! }));
}

/**
 * The `sh '''...'''` and `sh '...'` scripts of a Jenkinsfile (also `sh(script: ...)` and
 * `sh(label: '...', script: ...)`), and those it runs in the GitOps
 * clone (`inGitops '''...'''`), as `sh` receives them: Groovy applies its backslash escapes
 * (`\\`, `\n`, an escaped newline is removed) to these single-quoted strings, and never
 * interpolates them.
 */
export function jenkinsScripts(file: string, text = fs.readFileSync(file, 'utf8')): Script[] {
  const rel = templateName(file);
  return [...text.matchAll(/\b(?:sh|inGitops)\s*(?:\(\s*(?:label:\s*'[^'\n]*',\s*)?script:\s*)?(?:'''([\s\S]*?)'''|'([^'\n]*)')/g)]
    .map(m => ({ where: `${rel}: line ${text.slice(0, m.index).split('\n').length}`, text: unescapeGroovy(m[1] ?? m[2]) }));
}

/** The value of a single-quoted Groovy string (`'...'`, `'''...'''`) from its text between the quotes: its backslash escapes applied. */
export function unescapeGroovy(s: string): string {
  const escapes: Record<string, string> = { '\n': '', 'n': '\n', 't': '\t', 'r': '\r', 'b': '\b', 'f': '\f' };
  return s.replace(/\\([\s\S])/g, (_, c: string) => escapes[c] ?? c);
}

/** The text of the `{ ... }` block that opens at the first `{` at or after `from` (Groovy: strings and comments skipped). */
export function groovyBlock(text: string, from: number): string {
  const open = text.indexOf('{', from);
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const rest = text.slice(i);
    const skip = /^(?:'''[\s\S]*?'''|"""[\s\S]*?"""|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|\/\/[^\n]*|\/\*[\s\S]*?\*\/)/.exec(rest);
    if (skip) {
      i += skip[0].length - 1;
    } else if (text[i] === '{') {
      depth++;
    } else if (text[i] === '}' && --depth === 0) {
      return text.slice(open + 1, i);
    }
  }
  throw new Error(`unbalanced braces after offset ${from}`);
}

/** The body of `stage('name') { ... }` in a Jenkinsfile. */
export function jenkinsStage(text: string, name: string): string {
  const at = text.indexOf(`stage('${name}')`);
  if (at < 0) throw new Error(`no stage ${JSON.stringify(name)}`);
  return groovyBlock(text, at);
}
