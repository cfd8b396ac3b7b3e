/**
 * Runs the CI templates of examples/ on this machine, as GitHub Actions and Jenkins would: the
 * `run:` steps of a workflow job, and the shell steps of the Jenkinsfile's stages, in order, in
 * a shell with a runner's environment, against local bare repositories. Steps that need Docker
 * or the network are skipped by name (and reported); `actions/checkout` and `actions/setup-node`,
 * and Jenkins' implicit checkout and `tools { nodejs }`, are done here as those actions do them
 * (a clone of the local bare repository; a Node first on PATH). Everything else is run as written.
 *
 * Enough of GitHub's expression language for the templates (`${{ }}`: contexts, `==`, `!=`,
 * `!`, `&&`, `||`, `format()`, `success()`), and enough of a declarative Jenkinsfile (stages,
 * `when`, `steps`, `post { always }`, `script`, `withCredentials`, `dir`, `try/finally`, `sh`,
 * `input`, the file's own `def` helpers): anything else is an error naming what it could not run.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { groovyBlock, Step, unescapeGroovy, Workflow } from './templates';

/** Where the jobs run and what they find there. */
export interface Machine {
  /** Folder for the jobs' workspaces and temporary folders. */
  readonly root: string;
  /** The base environment of every step (PATH, HOME, git and npm settings). */
  readonly env: Readonly<Record<string, string>>;
  /** The local bare repository of each `owner/name` (GitHub) that a checkout clones. */
  readonly repositories: Readonly<Record<string, string>>;
  /** The bin folder of a Node >= 22: what setup-node and Jenkins' `tools { nodejs }` put first on PATH. */
  readonly nodeBin: string;
  /** What ran, what was done as an action does it, and what was skipped, in order. */
  readonly log: string[];
}

/** A step that is not run, and why: by its label (`job: step name` for GitHub, the stage name or `sh` label for Jenkins). */
export interface Skip {
  readonly why: string;
  /** The outputs the step would have set (GitHub). */
  readonly outputs?: Readonly<Record<string, string>>;
}

// ---------------------------------------------------------------- GitHub expressions

type Token = { kind: 'str' | 'num' | 'id' | 'op'; value: string };

function tokenize(expr: string): Token[] {
  const out: Token[] = [];
  const re = /\s*(?:'((?:[^']|'')*)'|(\d+(?:\.\d+)?)|([A-Za-z_][\w-]*)|(==|!=|&&|\|\||[!().,[\]]))/y;
  let at = 0;
  while (at < expr.length) {
    if (/^\s*$/.test(expr.slice(at))) break;
    re.lastIndex = at;
    const m = re.exec(expr);
    if (!m) throw new Error(`expression ${JSON.stringify(expr)}: cannot read ${JSON.stringify(expr.slice(at))}`);
    at = re.lastIndex;
    if (m[1] !== undefined) out.push({ kind: 'str', value: m[1].replace(/''/g, "'") });
    else if (m[2] !== undefined) out.push({ kind: 'num', value: m[2] });
    else if (m[3] !== undefined) out.push({ kind: 'id', value: m[3] });
    else out.push({ kind: 'op', value: m[4] });
  }
  return out;
}

const truthy = (v: unknown) => !(v === false || v === 0 || v === '' || v === null || v === undefined);
const loosely = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v === null || v === undefined ? '' : String(v));

/** The value of a GitHub Actions expression (the text inside `${{ }}`) in `ctx`. */
export function evaluate(expr: string, ctx: Record<string, unknown>): unknown {
  const t = tokenize(expr);
  let i = 0;
  const peek = (v: string) => t[i]?.kind === 'op' && t[i].value === v;
  const take = (v: string) => {
    if (!peek(v)) throw new Error(`expression ${JSON.stringify(expr)}: expected ${v}`);
    i++;
  };
  const functions: Record<string, (...a: unknown[]) => unknown> = {
    format: (f, ...a) => String(f).replace(/\{(\d+)\}/g, (_, n) => String(a[+n] ?? '')),
    success: () => true,
    always: () => true,
    failure: () => false,
    cancelled: () => false,
    contains: (a, b) => (Array.isArray(a) ? a.map(loosely).includes(loosely(b)) : loosely(a).includes(loosely(b))),
    startsWith: (a, b) => loosely(a).startsWith(loosely(b)),
  };
  const or = (): unknown => {
    let v = and();
    while (peek('||')) { i++; const r = and(); v = truthy(v) ? v : r; }
    return v;
  };
  const and = (): unknown => {
    let v = cmp();
    while (peek('&&')) { i++; const r = cmp(); v = truthy(v) ? r : v; }
    return v;
  };
  const cmp = (): unknown => {
    const a = unary();
    if (peek('==') || peek('!=')) {
      const op = t[i++].value;
      const b = unary();
      return (loosely(a) === loosely(b)) === (op === '==');
    }
    return a;
  };
  const unary = (): unknown => {
    if (peek('!')) { i++; return !truthy(unary()); }
    return primary();
  };
  const primary = (): unknown => {
    const tok = t[i++];
    if (!tok) throw new Error(`expression ${JSON.stringify(expr)} ends early`);
    if (tok.kind === 'op' && tok.value === '(') { const v = or(); take(')'); return v; }
    if (tok.kind === 'str') return tok.value;
    if (tok.kind === 'num') return Number(tok.value);
    if (tok.kind !== 'id') throw new Error(`expression ${JSON.stringify(expr)}: unexpected ${tok.value}`);
    if (tok.value === 'true' || tok.value === 'false') return tok.value === 'true';
    if (tok.value === 'null') return null;
    if (peek('(')) {
      i++;
      const args: unknown[] = [];
      while (!peek(')')) { args.push(or()); if (peek(',')) i++; }
      i++;
      const f = functions[tok.value];
      if (!f) throw new Error(`expression ${JSON.stringify(expr)}: no function ${tok.value}()`);
      return f(...args);
    }
    let v: any = ctx[tok.value];
    if (v === undefined) throw new Error(`expression ${JSON.stringify(expr)}: no context ${tok.value}`);
    for (;;) {
      if (peek('.')) { i++; const key = t[i++].value; v = v === null || v === undefined ? null : v[key] ?? null; }
      else if (peek('[')) { i++; const key = or(); take(']'); v = v === null || v === undefined ? null : v[String(key)] ?? null; }
      else return v;
    }
  };
  const v = or();
  if (i !== t.length) throw new Error(`expression ${JSON.stringify(expr)}: unexpected ${t[i].value}`);
  return v;
}

/** `text` with each `${{ expr }}` replaced by its value (null as ''). */
export function interpolate(text: string, ctx: Record<string, unknown>): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, e: string) => {
    const v = evaluate(e, ctx);
    return v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  });
}

// ---------------------------------------------------------------- shell

/** Run `script` with `shell` (argv before the script file) in `cwd`; throw with its output when it fails. */
function shell(shellArgv: string[], script: string, cwd: string, env: Record<string, string>, where: string, tmp: string): string {
  const file = path.join(tmp, `step-${fs.readdirSync(tmp).length}.sh`);
  fs.writeFileSync(file, script);
  const r = spawnSync(shellArgv[0], [...shellArgv.slice(1), file], { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new Error(`${where}: exited ${r.status ?? r.signal}\n--- script\n${script}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`);
  }
  return r.stdout;
}

function freshDir(machine: Machine, name: string): string {
  const base = path.join(machine.root, name);
  let dir = base;
  for (let n = 2; fs.existsSync(dir); n++) dir = `${base}-${n}`;
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

function clone(bare: string, dest: string, depth: number, env: Record<string, string>): void {
  fs.rmSync(dest, { recursive: true, force: true });
  const args = depth > 0 ? ['clone', '-q', '--depth', String(depth), `file://${bare}`, dest] : ['clone', '-q', bare, dest];
  const r = spawnSync('git', args, { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
}

// ---------------------------------------------------------------- GitHub Actions

/** The GitHub contexts a job is run with (github, vars, secrets, and optional matrix and needs). */
export interface GithubContexts {
  readonly github: Readonly<Record<string, unknown>> & { readonly sha: string; readonly repository: string; readonly ref_name: string; readonly event_name: string };
  readonly vars: Readonly<Record<string, string>>;
  readonly secrets: Readonly<Record<string, string>>;
  readonly matrix?: Readonly<Record<string, string>>;
  readonly needs?: Readonly<Record<string, { readonly result: string; readonly outputs: Readonly<Record<string, string>> }>>;
}

/** The label a step is known by: its name, else its action, else the first line of its script. */
export function stepLabel(step: Step): string {
  return step.name ?? (step.uses ? step.uses.split('@')[0] : step.run!.split('\n')[0]);
}

/** Whether job `jobId` of `wf` runs with these contexts (its `if:`). */
export function jobRuns(wf: Workflow, jobId: string, contexts: GithubContexts): boolean {
  const cond = wf.jobs[jobId].if;
  return cond === undefined || truthy(evaluate(String(cond).replace(/^\$\{\{([\s\S]*)\}\}$/, '$1'), { ...contexts, needs: contexts.needs ?? {}, vars: contexts.vars }));
}

/**
 * Run job `jobId` of workflow `wf` (file `rel`) once (one matrix entry: `contexts.matrix`) in a
 * fresh workspace; returns the job's outputs. `skips` by `job: step label`.
 */
export function runJob(rel: string, wf: Workflow, jobId: string, contexts: GithubContexts, machine: Machine, skips: ReadonlyMap<string, Skip>): Record<string, string> {
  const job = wf.jobs[jobId];
  const name = `${jobId}${contexts.matrix ? ` (${Object.values(contexts.matrix).join(', ')})` : ''}`;
  const dir = freshDir(machine, `${path.basename(rel, '.yml')}-${jobId}`);
  const workspace = path.join(dir, 'work');
  const temp = path.join(dir, 'temp');
  fs.mkdirSync(workspace);
  fs.mkdirSync(temp);
  const steps: Record<string, { outputs: Record<string, string>; outcome: string }> = {};
  let pathPrefix = '';
  const ctx = (env: Record<string, string>) => ({
    ...contexts, matrix: contexts.matrix ?? {}, needs: contexts.needs ?? {}, steps, env,
    github: { ...contexts.github, workspace, event: contexts.github.event ?? {} },
    runner: { temp, os: 'Linux', arch: 'X64' }, job: {}, strategy: {},
  });
  const expand = (env: Record<string, string>, more: Record<string, unknown> | undefined) => {
    const out = { ...env };
    for (const [k, v] of Object.entries(more ?? {})) out[k] = interpolate(String(v), ctx(out));
    return out;
  };
  const runnerEnv: Record<string, string> = {
    ...machine.env, CI: 'true', GITHUB_ACTIONS: 'true', GITHUB_SHA: contexts.github.sha, GITHUB_REPOSITORY: contexts.github.repository,
    GITHUB_REF_NAME: contexts.github.ref_name, GITHUB_REF: `refs/heads/${contexts.github.ref_name}`, GITHUB_EVENT_NAME: contexts.github.event_name,
    GITHUB_WORKSPACE: workspace, GITHUB_JOB: jobId, GITHUB_ACTOR: String(contexts.github.actor ?? 'octocat'), RUNNER_TEMP: temp, RUNNER_OS: 'Linux',
  };
  const jobEnv = expand(expand(runnerEnv, wf.env as Record<string, unknown> | undefined), job.env as Record<string, unknown> | undefined);
  machine.log.push(`job ${rel}: ${name}`);
  for (const step of job.steps) {
    const label = stepLabel(step);
    const env = expand(jobEnv, step.env);
    const record = (outputs: Record<string, string>, outcome: string) => { if (step.id) steps[step.id] = { outputs, outcome }; };
    if (step.if !== undefined && !truthy(evaluate(String(step.if).replace(/^\$\{\{([\s\S]*)\}\}$/, '$1'), ctx(env)))) {
      machine.log.push(`  not run (if: ${step.if}): ${label}`);
      record({}, 'skipped');
      continue;
    }
    const skip = skips.get(`${jobId}: ${label}`);
    if (skip) {
      machine.log.push(`  SKIPPED ${label}: ${skip.why}`);
      record({ ...skip.outputs }, 'success');
      continue;
    }
    const withs = Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, interpolate(String(v), ctx(env))]));
    if (step.uses?.startsWith('actions/checkout@')) {
      const repo = withs.repository || contexts.github.repository;
      const bare = machine.repositories[repo];
      if (bare === undefined) throw new Error(`${rel}: ${name}: ${label}: no local repository for ${repo}`);
      const dest = path.resolve(workspace, withs.path ?? '.');
      const depth = withs['fetch-depth'] === undefined ? 1 : Number(withs['fetch-depth']);
      clone(bare, dest, depth, env);
      machine.log.push(`  done as the action does: ${label} (git clone${depth > 0 ? ` --depth ${depth}` : ''} of ${repo} into ${path.relative(workspace, dest) || '.'})`);
      record({}, 'success');
      continue;
    }
    if (step.uses?.startsWith('actions/setup-node@')) {
      pathPrefix = `${machine.nodeBin}:${pathPrefix}`;
      machine.log.push(`  done as the action does: ${label} (node ${nodeVersion(machine.nodeBin)} first on PATH)`);
      record({}, 'success');
      continue;
    }
    if (step.run === undefined) throw new Error(`${rel}: ${name}: step ${JSON.stringify(label)} uses ${step.uses}: neither run here nor in the skip list`);
    const output = path.join(temp, `output-${Object.keys(steps).length}-${Date.now()}`);
    fs.writeFileSync(output, '');
    const { 'working-directory': wd, shell: shellKind } = step as { 'working-directory'?: string; shell?: string };
    const cwd = path.resolve(workspace, wd === undefined ? '.' : interpolate(wd, ctx(env)));
    const argv = shellKind === 'bash' ? ['bash', '--noprofile', '--norc', '-eo', 'pipefail'] : shellKind === 'sh' ? ['sh', '-e'] : ['bash', '-e'];
    if (shellKind !== undefined && !['bash', 'sh'].includes(shellKind)) throw new Error(`${rel}: ${name}: ${label}: shell ${shellKind} is not supported here`);
    shell(argv, interpolate(step.run, ctx(env)), cwd, { ...env, PATH: `${pathPrefix}${env.PATH}`, GITHUB_OUTPUT: output }, `${rel}: ${name}: ${label}`, temp);
    const outputs = Object.fromEntries(fs.readFileSync(output, 'utf8').split('\n').filter(l => l.includes('=')).map(l => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    machine.log.push(`  ran ${label}`);
    record(outputs, 'success');
  }
  return Object.fromEntries(Object.entries((job.outputs ?? {}) as Record<string, string>).map(([k, v]) => [k, interpolate(v, ctx(jobEnv))]));
}

function nodeVersion(bin: string): string {
  return spawnSync(path.join(bin, 'node'), ['--version'], { encoding: 'utf8' }).stdout.trim();
}

// ---------------------------------------------------------------- Jenkins

/** How a Jenkinsfile is run: the build's branch, parameters, credentials, and the environment values given instead of the file's. */
export interface JenkinsRun {
  readonly branch: string;
  readonly params: Readonly<Record<string, string>>;
  readonly credentials: Readonly<Record<string, { readonly user: string; readonly password: string }>>;
  /** Values of the pipeline's `environment` block replaced for this machine (e.g. a Prometheus URL). */
  readonly environment?: Readonly<Record<string, string>>;
  /** The app repository Jenkins checks out into the workspace (a local bare repository), and the URL the build knows it by. */
  readonly scm: string;
  readonly scmUrl: string;
}

interface Statement {
  /** `sh`, `script`, `env.TAG`, ... */
  readonly head: string;
  /** Text in parentheses after the head, if any. */
  readonly args?: string;
  /** A Groovy string or a name after the head (`sh '''x'''`, `sh script`). */
  readonly word?: string;
  /** Blocks after the head: `{ ... }` (and `finally { ... }` for try). */
  readonly blocks: string[];
  /** The rest of the line (named arguments: `input message: ..., ok: ...`; an assignment). */
  readonly rest?: string;
}

/** The top-level statements of a Groovy block's text (comments skipped). */
export function statements(text: string): Statement[] {
  const out: Statement[] = [];
  let i = 0;
  const ws = () => {
    for (;;) {
      const m = /^(?:\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\/)/.exec(text.slice(i));
      if (!m || m[0].length === 0) return;
      i += m[0].length;
    }
  };
  const balanced = (open: string, close: string): string => {
    let depth = 0;
    const start = i;
    for (; i < text.length; i++) {
      const skip = /^(?:'''[\s\S]*?'''|"""[\s\S]*?"""|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*")/.exec(text.slice(i));
      if (skip) { i += skip[0].length - 1; continue; }
      if (text[i] === open) depth++;
      else if (text[i] === close && --depth === 0) { i++; return text.slice(start + 1, i - 1); }
    }
    throw new Error(`unbalanced ${open}${close} in ${JSON.stringify(text.slice(start, start + 60))}`);
  };
  for (ws(); i < text.length; ws()) {
    const head = /^[A-Za-z_][\w.]*/.exec(text.slice(i));
    if (!head) throw new Error(`cannot read Jenkinsfile statement at ${JSON.stringify(text.slice(i, i + 60))}`);
    i += head[0].length;
    const st: { head: string; args?: string; word?: string; blocks: string[]; rest?: string } = { head: head[0], blocks: [] };
    const inline = /^[ \t]*/.exec(text.slice(i))![0];
    i += inline.length;
    if (text[i] === '(') st.args = balanced('(', ')');
    else if (text.startsWith("'''", i)) { const end = text.indexOf("'''", i + 3); st.word = text.slice(i, end + 3); i = end + 3; }
    else if (text[i] === "'") { const m = /^'(?:\\.|[^'\\\n])*'/.exec(text.slice(i))!; st.word = m[0]; i += m[0].length; }
    else if (/^[A-Za-z_]\w*[ \t]*(\n|$|\})/.test(text.slice(i)) && head[0] !== 'agent') { const m = /^[A-Za-z_]\w*/.exec(text.slice(i))!; st.word = m[0]; i += m[0].length; }
    else if (text[i] !== '{' && text[i] !== '\n') { const end = text.indexOf('\n', i); st.rest = text.slice(i, end < 0 ? undefined : end).trim(); i = end < 0 ? text.length : end; }
    for (;;) {
      const save = i;
      ws();
      if (text[i] === '{') { st.blocks.push(balanced('{', '}')); continue; }
      if (st.head === 'try' && text.startsWith('finally', i)) { i += 'finally'.length; continue; }
      i = save;
      break;
    }
    out.push(st);
  }
  return out;
}

/** A Groovy single-quoted string literal's value. */
function groovyString(literal: string): string {
  if (literal.startsWith("'''")) return unescapeGroovy(literal.slice(3, -3));
  if (literal.startsWith("'")) return unescapeGroovy(literal.slice(1, -1));
  throw new Error(`not a single-quoted Groovy string: ${literal.slice(0, 40)}`);
}

/** The named arguments of a call (`label: 'x', script: '''y''', returnStdout: true`), Groovy strings as values. */
function namedArgs(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of args.matchAll(/(\w+):\s*('''[\s\S]*?'''|'(?:\\.|[^'\\\n])*'|true|false|\d+)/g)) out[m[1]] = /^'/.test(m[2]) ? groovyString(m[2]) : m[2];
  return out;
}

/**
 * Run the declarative pipeline of `text` (file `rel`): each stage whose `when` holds, in order;
 * `skips` by stage name or `sh` label.
 */
export function runJenkinsfile(rel: string, text: string, run: JenkinsRun, machine: Machine, skips: ReadonlyMap<string, Skip>): void {
  const defs = new Map<string, { param?: string; body: string }>();
  for (const m of text.matchAll(/^def (\w+)\((?:String (\w+))?\) \{/gm)) defs.set(m[1], { param: m[2], body: groovyBlock(text, m.index!) });
  const pipeline = groovyBlock(text, text.indexOf('pipeline {'));
  const top = statements(pipeline);
  const environment: Record<string, string> = {};
  for (const st of top.filter(s => s.head === 'environment')) {
    for (const m of st.blocks[0].matchAll(/^\s*(\w+)\s*=\s*('(?:\\.|[^'\\\n])*')/gm)) environment[m[1]] = groovyString(m[2]);
  }
  Object.assign(environment, run.environment ?? {});
  const dir = freshDir(machine, `${path.basename(rel)}-${run.params.PROD_ROLLOUT ?? 'build'}`);
  const workspace = path.join(dir, 'workspace');
  const tmp = path.join(dir, 'tmp');
  fs.mkdirSync(tmp);
  fs.mkdirSync(workspace);
  const env: Record<string, string> = {
    ...machine.env, ...environment, WORKSPACE: workspace, BRANCH_NAME: run.branch, BUILD_NUMBER: '1', JOB_NAME: 'app/main', JENKINS_HOME: dir,
  };
  let pathPrefix = '';
  let checkedOut = false;
  machine.log.push(`pipeline ${rel} (${Object.entries(run.params).map(([k, v]) => `${k}=${v}`).join(', ')})`);

  const when = (block: string, name: string): boolean => statements(block).every(st => {
    if (st.head === 'beforeAgent') return true;
    if (st.head === 'branch') return groovyString(st.word!) === run.branch;
    if (st.head === 'expression') {
      const m = /^\s*params\.(\w+)\s*(==|!=)\s*'([^']*)'\s*$/.exec(st.blocks[0]);
      if (!m) throw new Error(`${rel}: stage ${name}: when expression ${st.blocks[0].trim()} is not supported here`);
      return (run.params[m[1]] === m[3]) === (m[2] === '==');
    }
    throw new Error(`${rel}: stage ${name}: when ${st.head} is not supported here`);
  });

  const exec = (block: string, cwd: string, vars: Record<string, string>, extra: Record<string, string>, stage: string): void => {
    for (const st of statements(block)) {
      const sh = (script: string, label?: string): string => {
        const where = `${rel}: stage ${stage}${label ? `: ${label}` : ''}`;
        if (label && skips.has(label)) {
          machine.log.push(`  SKIPPED sh ${label}: ${skips.get(label)!.why}`);
          return '';
        }
        const out = shell(['sh', '-e'], script, cwd, { ...env, ...extra, PATH: `${pathPrefix}${env.PATH}` }, where, tmp);
        machine.log.push(`  ran sh${label ? ` ${label}` : ''}: ${script.trim().split('\n')[0]}`);
        return out;
      };
      if (st.head === 'sh') {
        if (st.word !== undefined) sh(st.word.startsWith("'") ? groovyString(st.word) : vars[st.word] ?? (() => { throw new Error(`${rel}: sh ${st.word}: no such variable`); })());
        else { const a = namedArgs(st.args ?? ''); sh(a.script, a.label); }
      } else if (/^env\.\w+$/.test(st.head) && st.rest?.startsWith('=')) {
        const m = /^=\s*sh\(([\s\S]*)\)\.trim\(\)$/.exec(st.rest);
        if (!m) throw new Error(`${rel}: ${st.head} ${st.rest}: only sh(script: ..., returnStdout: true).trim() is supported here`);
        env[st.head.slice(4)] = sh(namedArgs(m[1]).script).trim();
      } else if (st.head === 'script') {
        exec(st.blocks[0], cwd, vars, extra, stage);
      } else if (st.head === 'dir') {
        exec(st.blocks[0], path.resolve(cwd, groovyString(st.args!.trim())), vars, extra, stage);
      } else if (st.head === 'withCredentials') {
        const m = /usernamePassword\(credentialsId: '([^']+)', usernameVariable: '(\w+)', passwordVariable: '(\w+)'\)/.exec(st.args!);
        const cred = m ? run.credentials[m[1]] : undefined;
        if (!m || !cred) throw new Error(`${rel}: withCredentials(${st.args}): no test credential`);
        exec(st.blocks[0], cwd, vars, { ...extra, [m[2]]: cred.user, [m[3]]: cred.password }, stage);
      } else if (st.head === 'try') {
        try {
          exec(st.blocks[0], cwd, vars, extra, stage);
        } finally {
          if (st.blocks[1] !== undefined) exec(st.blocks[1], cwd, vars, extra, stage);
        }
      } else if (st.head === 'input') {
        machine.log.push(`  approved: input ${st.rest}`);
      } else if (defs.has(st.head)) {
        const def = defs.get(st.head)!;
        const value = st.word !== undefined ? groovyString(st.word) : undefined;
        exec(def.body, cwd, def.param ? { ...vars, [def.param]: value! } : vars, extra, stage);
      } else {
        throw new Error(`${rel}: stage ${stage}: ${st.head} is not supported here`);
      }
    }
  };

  const stage = (name: string, body: string): void => {
    const parts = statements(body);
    const part = (head: string) => parts.find(p => p.head === head);
    const condition = part('when');
    if (condition && !when(condition.blocks[0], name)) {
      machine.log.push(` stage ${name}: not run (when)`);
      return;
    }
    machine.log.push(` stage ${name}`);
    const agent = part('agent');
    if (agent && agent.rest !== 'none' && !checkedOut) {
      clone(run.scm, workspace, 0, env);
      checkedOut = true;
      // the git plugin's variables of the checkout
      env.GIT_COMMIT = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: workspace, env, encoding: 'utf8' }).stdout.trim();
      env.GIT_URL = run.scmUrl;
      machine.log.push('  done as Jenkins does: checkout scm (git clone of the app repository into the workspace; GIT_COMMIT, GIT_URL)');
    }
    const tools = part('tools');
    if (tools) {
      pathPrefix = `${machine.nodeBin}:${pathPrefix}`;
      machine.log.push(`  done as Jenkins does: tools { ${tools.blocks[0].trim()} } (node ${nodeVersion(machine.nodeBin)} first on PATH)`);
    }
    try {
      if (skips.has(name)) {
        machine.log.push(`  SKIPPED stage ${name}: ${skips.get(name)!.why}`);
      } else if (part('stages')) {
        stages(part('stages')!.blocks[0]);
      } else {
        exec(part('steps')!.blocks[0], workspace, {}, {}, name);
      }
    } finally {
      const always = part('post') && statements(part('post')!.blocks[0]).find(p => p.head === 'always');
      if (always) exec(always.blocks[0], workspace, {}, {}, `${name} (post)`);
    }
  };
  const stages = (block: string) => {
    for (const st of statements(block)) {
      if (st.head !== 'stage') throw new Error(`${rel}: ${st.head} inside stages`);
      stage(groovyString(st.args!.trim()), st.blocks[0]);
    }
  };
  stages(top.find(s => s.head === 'stages')!.blocks[0]);
}
