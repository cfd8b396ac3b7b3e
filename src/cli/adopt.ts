import * as fs from 'fs';
import * as path from 'path';
import { compareEnvironment, Difference, DifferenceClass, formatDifference } from '../adopt/compare';
import { AdoptionWaivers, buildAdoptedApp } from '../adopt/interpret';
import { Adoption, buildAdoption } from '../adopt/model';
import { writeProgram } from '../adopt/program';
import { AdoptInput, AdoptSource, parseSources, readSource } from '../adopt/sources';
import { InputError, UsageError } from '../core/errors';
import { validateManifests } from '../validate';
import { loadAppFactory, PACKAGE_FIELD } from './app-module';
import { defineOptions, PositionalSpec } from './args';
import { command, commandHelp } from './command';
import { ownDependency, ownPackage, projectManifest, projectName, writeAll } from './init';
import { outputOption, printJson } from './output';

export const OPTIONS = defineOptions({
  'env': { type: 'string', list: true, value: 'NAME=SOURCE', description: 'an environment and its manifests (repeat for each environment)' },
  'app-name': { type: 'string', value: 'NAME', description: "the app (folder <env>/<app>; default: the namespaces' common part)" },
  'check': { type: 'boolean', description: 'compare the program in DIR with the sources instead of writing one' },
  ...outputOption(['text', 'json'], '--check: text (default) or json {ok, real, differences, findings}', 'FORMAT'),
});

export const HELP = commandHelp(`Usage: cdk8s-gitops adopt [DIR] --env NAME=SOURCE [--env NAME=SOURCE ...] [--app-name NAME]
       cdk8s-gitops adopt --check [DIR] [--env NAME=SOURCE ...] [-o text|json]

Turn an existing repository's manifests into a cdk8s-gitops program in DIR (default: the
current folder, which must be empty): package.json, main.ts, a snapshot test (main.test.ts),
cdk8s.yaml, tsconfig.json. One --env per environment; SOURCE is
  a folder of manifests (every *.yaml / *.yml under it),
  a kustomization folder (rendered with \`kubectl kustomize\`, else \`kustomize build\`),
  a single file, or
  - to read standard input (\`helm template ... | cdk8s-gitops adopt --env prod=-\`).
The program builds each environment in an AppChart (folder <env>/<app>, the namespace most
objects are in); the values that differ between environments become its settings. The app's
Namespace, namespace-wide PeerAuthentication and a default-deny AuthorizationPolicy become
constructs; every other object is written as it is (an ApiObject), and the rules it breaks are
waived on it (Waivers.of(object).allow(...)), so the program passes validate from the start
and can be hardened object by object.

--check renders the program in DIR and compares it with the manifests (parsed, not as text):
every difference is listed and classified as real (what runs changes), hardening (security
context, probes, resources, Pod Security labels the library adds), waiver (annotations) or
layout (file names, sync waves, namespaces). The sources are the --env flags, else the ones
the adoption recorded in package.json. The program's output must also pass validate.

`, OPTIONS, `Exit codes: 0 written / no real difference, 1 --check found real differences or findings,
2 usage error (nothing written: a folder that is not empty, a source that cannot be read).
`, 23);

export const POSITIONALS: PositionalSpec = { name: 'DIR', max: 1 };

/** The reason the waivers of adopted objects state. */
export const ADOPTED_REASON = 'adopted as it was (cdk8s-gitops adopt): harden this object, then remove the waiver';

/** The `package.json` field (under `cdk8s-gitops`) where an adoption records its sources, relative to the program: `{ "dev": "../overlays/dev" }`. */
export const ADOPT_FIELD = 'adopt';

let stdinText: string | undefined;
const readStdin = (): string => (stdinText ??= fs.readFileSync(0, 'utf8'));

export const run = command({ help: HELP, options: OPTIONS, positionals: POSITIONALS }, ({ values, positionals, output }) => {
  const dir = path.resolve(positionals[0] ?? '.');
  if (values.check === true) return check(dir, values.env, output);
  if (values.output !== undefined) throw new UsageError('--output is for --check: adopt writes files and prints what it wrote');
  const sources = parseSources(values.env ?? []);
  return adopt(dir, sources, values['app-name']);
});

/** The rules each object of the adoption breaks, from the checks of the program built in process. */
function waiversOf(adoption: Adoption): AdoptionWaivers {
  const report = validateManifests(buildAdoptedApp(adoption).manifests());
  const byObject = new Map<string, Set<string>>();
  for (const f of report.findings) {
    const o = adoption.objects.find(x => x.as.construct === 'ApiObject' && x.kind === f.kind
      && [...x.perEnvironment.values()].some(v => v.metadata?.name === f.name));
    if (o === undefined) continue; // a construct's finding: not waived, reported below
    let rules = byObject.get(o.id);
    if (!rules) byObject.set(o.id, rules = new Set());
    rules.add(f.rule);
  }
  return { rules: new Map([...byObject].map(([id, rules]) => [id, [...rules].sort()])), reason: ADOPTED_REASON };
}

function adopt(dir: string, sources: readonly AdoptSource[], appName: string | undefined): number {
  const stat = fs.statSync(dir, { throwIfNoEntry: false });
  if (stat !== undefined && !stat.isDirectory()) throw new UsageError(`${dir} is not a folder`);
  const present = stat === undefined ? [] : fs.readdirSync(dir);
  if (present.length > 0) {
    throw new UsageError(`${dir} is not empty (${present.slice(0, 5).join(', ')}${present.length > 5 ? ', ...' : ''}): adopt writes a new program into an empty folder; nothing written`);
  }
  const inputs = sources.map(s => readSource(s, process.cwd(), readStdin));
  for (const input of inputs) {
    if (input.manifests.length === 0) throw new InputError(`--env ${input.environment}=${input.source}: no Kubernetes objects found`);
  }
  const adoption = buildAdoption(inputs, appName);
  const waivers = waiversOf(adoption);
  const remaining = validateManifests(buildAdoptedApp(adoption, waivers).manifests()).findings;

  const { dir: ownDir, manifest } = ownPackage();
  const pkg: Record<string, any> = projectManifest(projectName(dir), manifest, ownDependency(ownDir, manifest.version));
  const recorded: Record<string, string> = {};
  for (const s of sources) recorded[s.environment] = s.source === '-' ? '-' : path.relative(dir, path.resolve(s.source)) || '.';
  pkg[PACKAGE_FIELD] = { ...pkg[PACKAGE_FIELD], [ADOPT_FIELD]: recorded };
  const files = new Map<string, string>([
    ['package.json', `${JSON.stringify(pkg, null, 2)}\n`],
    ['main.ts', writeProgram(adoption, { sources: sources.map(s => s.source), waivers })],
    // the adopted program's test: it renders, passes the checks, and matches the snapshot
    ['main.test.ts', fs.readFileSync(path.join(ownDir, 'templates', 'adopt', 'main.test.ts'), 'utf8')],
  ]);
  for (const [template, target] of [['cdk8s.yaml', 'cdk8s.yaml'], ['tsconfig.json', 'tsconfig.json'], ['jest.config.js', 'jest.config.js'],
    ['jest.transform.js', 'jest.transform.js'], ['gitignore', '.gitignore']] as const) {
    files.set(target, fs.readFileSync(path.join(ownDir, 'templates', 'init', template), 'utf8'));
  }
  writeAll(dir, files);

  const count = (c: string) => adoption.objects.filter(o => o.as.construct === c).length;
  const raw = count('ApiObject');
  const waived = [...waivers.rules.values()].reduce((n, r) => n + r.length, 0);
  process.stdout.write(`adopted ${adoption.objects.length} objects of ${inputs.length} environment(s) (${inputs.map(i => `${i.environment}: ${i.manifests.length} from ${i.kind} ${i.source}`).join('; ')}) into ${dir}:\n`
    + `  app ${adoption.app}, namespaces ${adoption.environments.map(e => `${e.name}=${e.namespace}`).join(', ')}\n`
    + `  ${adoption.objects.length - raw} as constructs, ${raw} as they were (ApiObject); ${waived} waiver(s) on ${waivers.rules.size} object(s)\n`
    + (remaining.length > 0 ? `  ${remaining.length} finding(s) the waivers do not cover: run \`cdk8s-gitops adopt --check\` in ${dir}\n` : '')
    + `wrote:\n${[...files.keys()].map(f => `  ${f}\n`).join('')}`
    + `next:\n  cd ${path.relative(process.cwd(), dir) || '.'}\n  npm install\n  npx cdk8s-gitops adopt --check\n  npm test -- -u\n`);
  return 0;
}

/** The sources of --check: the flags, else the ones package.json recorded (relative to DIR). */
function checkSources(dir: string, flags: string[] | undefined): { sources: AdoptSource[]; cwd: string } {
  if (flags !== undefined) return { sources: parseSources(flags), cwd: process.cwd() };
  const file = path.join(dir, 'package.json');
  let recorded: unknown;
  try {
    recorded = JSON.parse(fs.readFileSync(file, 'utf8'))?.[PACKAGE_FIELD]?.[ADOPT_FIELD];
  } catch (e: any) {
    throw new UsageError(`${file}: cannot read it (${e?.message ?? e}); pass the sources with --env NAME=SOURCE`);
  }
  if (recorded === null || typeof recorded !== 'object' || Object.keys(recorded).length === 0) {
    throw new UsageError(`${file} records no adopted sources ("${PACKAGE_FIELD}".${ADOPT_FIELD}); pass them with --env NAME=SOURCE`);
  }
  const entries = Object.entries(recorded as Record<string, unknown>);
  if (entries.some(([, v]) => v === '-')) throw new UsageError(`${file}: an environment was adopted from standard input; pass its source with --env NAME=- again`);
  return { sources: parseSources(entries.map(([k, v]) => `${k}=${v}`), `${file}: "${PACKAGE_FIELD}".${ADOPT_FIELD}`), cwd: dir };
}

function check(dir: string, flags: string[] | undefined, output: string): number {
  const { sources, cwd } = checkSources(dir, flags);
  const inputs: AdoptInput[] = sources.map(s => readSource(s, cwd, readStdin));
  const adoption = buildAdoption(inputs);
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const appModule = pkg?.[PACKAGE_FIELD]?.app;
  if (typeof appModule !== 'string') throw new UsageError(`${path.join(dir, 'package.json')} names no program ("${PACKAGE_FIELD}".app)`);
  const app = loadAppFactory(path.resolve(dir, appModule))({});
  const manifests = app.manifests();
  const differences: Difference[] = [];
  for (const env of adoption.environments) {
    const own = manifests.filter(m => m.path.startsWith(`${env.name}/`));
    differences.push(...compareEnvironment(env.name, env.namespace, env.input.manifests, own, env.input.kind === 'folder'));
  }
  const findings = validateManifests(manifests).findings;
  const counts: Record<DifferenceClass, number> = { real: 0, hardening: 0, waiver: 0, layout: 0 };
  for (const d of differences) counts[d.class]++;
  const ok = counts.real === 0 && findings.length === 0;
  if (output === 'json') {
    printJson({ ok, real: counts.real, counts, differences, findings });
  } else {
    const lines = differences.map(formatDifference);
    for (const f of findings) lines.push(`finding   ${f.file}: ${f.kind}/${f.name}: ${f.rule}: ${f.field}: ${f.message}`);
    lines.push(`${ok ? 'equivalent' : 'NOT equivalent'}: ${counts.real} real difference(s), ${counts.hardening} hardening, ${counts.waiver} waiver, ${counts.layout} layout; `
      + `${findings.length} validate finding(s); ${adoption.environments.map(e => `${e.name} ${e.input.manifests.length} objects`).join(', ')}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  return ok ? 0 : 1;
}
