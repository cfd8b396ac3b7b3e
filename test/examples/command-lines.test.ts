import * as fs from 'fs';
import * as path from 'path';
import { projectManifest } from '../../src/cli/init';
import { parseOptions } from '../../src/cli/args';
import { UsageError } from '../../src/core/errors';
import { parseCommandLine } from '../../src/cli/main';
import { parseGateFlag } from '../../src/gate/gate-settings';
import { parseWeights } from '../../src/gitops/shift-flow';
import { CommandLine, commandLines, requiredFlags, simpleCommand } from './command-lines';
import { initAppWorkflow, initGitopsWorkflow, initJenkinsfile } from './init-templates';
import { APP_WORKFLOW, EXAMPLES, GITOPS_WORKFLOW, JENKINSFILE, jenkinsScripts, Script, templateName, workflowScripts } from './templates';

/** Sample values of the shell variables the templates' command lines use. */
const SAMPLE = {
  TAG: '3f2c5e8d9a1b4c7d6e5f4a3b2c1d0e9f8a7b6c5d',
  RUNNER_TEMP: '/home/runner/work/_temp',
  SERVICE: 'flask-app',
  PROMETHEUS_URL: 'http://prometheus.monitoring:9090',
};

/** The scripts of every CI template. */
function templateScripts(): Script[] {
  return [...workflowScripts(APP_WORKFLOW), ...workflowScripts(GITOPS_WORKFLOW), ...jenkinsScripts(JENKINSFILE)];
}

/** Check a command line with the CLI's own option table and the required flags of its usage line; returns what is wrong. */
function problems(line: CommandLine): string[] {
  const [command] = line.argv;
  try {
    const { values } = parseCommandLine(line.argv);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const missing = requiredFlags(require(`../../src/cli/${command}`).HELP).filter(f => values[f.slice(2)] === undefined);
    return missing.map(f => `${line.where}: ${line.text}: ${f} is required`);
  } catch (e: any) {
    if (!(e instanceof UsageError)) throw e;
    return [`${line.where}: ${line.text}: ${e.message.split('\n')[0]}`];
  }
}

describe('reading command lines the way sh does', () => {
  test('quotes, backslashes, variables and continuations', () => {
    expect(simpleCommand(`npx --prefix program cdk8s-gitops release \\\n  --tag "$TAG" --env 'd e v' --app \${SERVICE}/x\\ y`, SAMPLE))
      .toEqual(['npx', '--prefix', 'program', 'cdk8s-gitops', 'release', '--tag', SAMPLE.TAG, '--env', 'd e v', '--app', 'flask-app/x y']);
    expect(simpleCommand('cdk8s-gitops validate "$RUNNER_TEMP/m" --format text', SAMPLE)).toEqual(['cdk8s-gitops', 'validate', '/home/runner/work/_temp/m', '--format', 'text']);
  });

  test('the command ends at an operator, a redirection or a comment', () => {
    expect(simpleCommand('cdk8s-gitops promote --json > "$RUNNER_TEMP/p.json"', SAMPLE)).toEqual(['cdk8s-gitops', 'promote', '--json']);
    expect(simpleCommand('cdk8s-gitops status --json 2>/dev/null', SAMPLE)).toEqual(['cdk8s-gitops', 'status', '--json']);
    expect(simpleCommand('cdk8s-gitops diff --exit-code && echo ok', SAMPLE)).toEqual(['cdk8s-gitops', 'diff', '--exit-code']);
    expect(simpleCommand('cdk8s-gitops diff | tee out # a#b', SAMPLE)).toEqual(['cdk8s-gitops', 'diff']);
    expect(simpleCommand('cdk8s-gitops diff --app a#b', SAMPLE)).toEqual(['cdk8s-gitops', 'diff', '--app', 'a#b']);
  });

  test('a variable without a sample value, or a command substitution, is an error (never a silent guess)', () => {
    expect(() => simpleCommand('cdk8s-gitops release --tag "$GIT_SHA"', SAMPLE)).toThrow('no sample value for $GIT_SHA');
    expect(() => simpleCommand('cdk8s-gitops release --tag "$(git rev-parse HEAD)"', SAMPLE)).toThrow('unsupported expansion');
    expect(() => simpleCommand('cdk8s-gitops release --tag `git rev-parse HEAD`', SAMPLE)).toThrow('command substitution');
  });

  test('commands are found at the start of a command only, not in comments or arguments', () => {
    const script = { where: 'x', text: '# cdk8s-gitops release --bogus\necho "cdk8s-gitops diff"\ncd gitops && program/node_modules/.bin/cdk8s-gitops status --gitops-dir .\nif true; then cdk8s-gitops diff --gitops-dir .; fi\n' };
    expect(commandLines(script, SAMPLE).map(c => c.argv)).toEqual([['status', '--gitops-dir', '.'], ['diff', '--gitops-dir', '.']]);
  });

  test('the required flags of a usage line are those outside brackets', () => {
    expect(requiredFlags('Usage: cdk8s-gitops release --gitops-dir DIR --env ENV --tag TAG [--service NAME ...] [--push]\n')).toEqual(['--gitops-dir', '--env', '--tag']);
    expect(requiredFlags('Usage: cdk8s-gitops synth [--app MODULE] [--out DIR | --gitops-dir DIR]\n')).toEqual([]);
  });
});

describe('every cdk8s-gitops command line of the CI templates parses with the CLI\'s own parser', () => {
  const lines = templateScripts().flatMap(s => commandLines(s, SAMPLE));

  test('the templates run release, promote, the canary\'s release, shifts and status, diff and validate (the extraction finds them all)', () => {
    const byFile = (file: string) => lines.filter(l => l.where.startsWith(path.relative(EXAMPLES, file))).map(l => l.argv[0]);
    expect(byFile(APP_WORKFLOW)).toEqual(['release', 'promote', 'release', 'status', 'shift', 'status', 'shift', 'status', 'release']);
    expect(byFile(GITOPS_WORKFLOW)).toEqual(['diff', 'validate']);
    expect(byFile(JENKINSFILE)).toEqual(['release', 'promote', 'release', 'shift', 'shift', 'release']);
  });

  test('the values of --weights and --gate parse as shift reads them', () => {
    const shifts = lines.filter(l => l.argv[0] === 'shift');
    expect(shifts).toHaveLength(4);
    for (const l of shifts) {
      const { values } = parseCommandLine(l.argv);
      expect(() => parseWeights(values.weights as string)).not.toThrow();
      expect(parseGateFlag(values.gate as string)).toMatchObject({ prometheus: SAMPLE.PROMETHEUS_URL, window: '10m' });
    }
  });

  test('each parses with its command\'s option table and names every required flag', () => {
    expect(lines.flatMap(problems)).toEqual([]);
    const release = lines.find(l => l.where.startsWith('app-repo') && l.argv[0] === 'release')!;
    expect(parseCommandLine(release.argv).values).toMatchObject({ 'env': 'dev', 'tag': SAMPLE.TAG, 'service': ['frontend', 'backend', 'monitor'], 'push': true });
  });

  test('a wrong flag, a missing value or a missing required flag in a template is caught', () => {
    const broken = (text: string) => jenkinsScripts(JENKINSFILE, text).flatMap(s => commandLines(s, SAMPLE)).flatMap(problems);
    const text = fs.readFileSync(JENKINSFILE, 'utf8');
    expect(broken(text)).toEqual([]);
    expect(broken(text.replace('--env dev', '--environment dev')).join('\n')).toMatch(/Unknown option '--environment'/);
    expect(broken(text.replace('--from dev --to prod', '--from dev --to')).join('\n')).toMatch(/--to/);
    expect(broken(text.replace('--gitops-dir . --env dev', '--env dev')).join('\n')).toContain('--gitops-dir is required');
    expect(() => parseCommandLine(['deploy'])).toThrow('unknown command "deploy"');
  });
});

describe('the templates fit the program folder a `cdk8s-gitops init` project makes', () => {
  const own = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
  const scaffold = projectManifest('program', own) as { scripts: Record<string, string>; 'cdk8s-gitops': { app: string } };
  /** What is wrong with the npm and cdk8s-gitops command lines of `scripts` for a program/ that is an init project. */
  const misfits = (scripts: Script[]) => scripts.flatMap(s => {
    const found: string[] = [];
    const lines = s.text.replace(/\\\n/g, ' ').split('\n').filter(l => !l.trim().startsWith('#'));
    for (const m of lines.join('\n').matchAll(/\bnpm (?:run (\S+)|(test)) --prefix (\S+)/g)) {
      if (scaffold.scripts[m[1] ?? m[2]] === undefined) found.push(`${s.where}: npm script ${m[1] ?? m[2]} (the scaffold has ${Object.keys(scaffold.scripts).join(', ')})`);
      if (!/^(gitops\/)?program$/.test(m[3])) found.push(`${s.where}: --prefix ${m[3]}`);
    }
    for (const l of commandLines(s, SAMPLE)) {
      const app = parseCommandLine(l.argv).values.app;
      if (['release', 'promote', 'shift', 'diff', 'status', 'rollback', 'synth'].includes(l.argv[0]) && app !== `program/${scaffold['cdk8s-gitops'].app}`
        && !(app === undefined && ['status'].includes(l.argv[0]))) found.push(`${s.where}: ${l.argv[0]} --app ${app}`);
    }
    return found;
  });

  test('no build step the scaffold lacks; every command renders program/main.ts, the program init writes', () => {
    expect(scaffold['cdk8s-gitops'].app).toBe('main.ts');
    expect(templateScripts().flatMap(s => misfits([s]))).toEqual([]);
  });

  test('a template that builds or loads a compiled program is caught', () => {
    const text = fs.readFileSync(JENKINSFILE, 'utf8');
    const broken = (t: string) => misfits(jenkinsScripts(JENKINSFILE, t));
    expect(broken(text)).toEqual([]);
    expect(broken(text.replace('npm ci --ignore-scripts --omit=dev --prefix gitops/program', 'npm ci --prefix gitops/program && npm run build --prefix gitops/program')).join('\n'))
      .toMatch(/npm script build \(the scaffold has synth, test, typecheck\)/);
    expect(broken(text.replace('--app program/main.ts', '--app program/lib/src/main.js')).join('\n')).toMatch(/release --app program\/lib\/src\/main\.js/);
  });
});

describe('the command lines of the CI templates init writes', () => {
  const app = initAppWorkflow();
  const gitops = initGitopsWorkflow();
  const jenkins = initJenkinsfile();
  const scripts = [...workflowScripts(app), ...workflowScripts(gitops), ...jenkinsScripts(jenkins)];
  const lines = scripts.flatMap(s => commandLines(s, { ...SAMPLE, SERVICE: 'web' }));

  test('release and promote (app repository), diff and validate (GitOps repository), each on the program init wrote', () => {
    const byFile = (file: string) => lines.filter(l => l.where.startsWith(templateName(file))).map(l => l.argv[0]);
    expect(byFile(app)).toEqual(['release', 'promote']);
    expect(byFile(gitops)).toEqual(['diff', 'validate']);
    expect(byFile(jenkins)).toEqual(['release', 'promote']);
    for (const l of lines.filter(x => x.argv[0] !== 'validate')) expect([l.where, parseCommandLine(l.argv).values.app]).toEqual([l.where, 'program/main.ts']);
  });

  test('each parses with its command\'s option table and names every required flag', () => {
    expect(lines.flatMap(problems)).toEqual([]);
  });

  test('no template, of examples/ or of init, uses a deprecated spelling (--format, --json)', () => {
    const notes = [...lines, ...templateScripts().flatMap(s => commandLines(s, SAMPLE))].flatMap(l => {
      const [command, ...rest] = l.argv;
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(`../../src/cli/${command}`);
      return parseOptions(rest, mod.OPTIONS, mod.POSITIONALS).notes.map(n => `${l.where}: ${n}`);
    });
    expect(notes).toEqual([]);
    // so the check can fail
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(parseOptions(['dir', '--format', 'text'], require('../../src/cli/validate').OPTIONS, { name: 'DIR', max: 1 }).notes).toEqual(['--format text is deprecated; use -o text']);
  });
});
