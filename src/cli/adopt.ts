import * as fs from 'fs';
import * as path from 'path';
import { recognizeArgoCd } from '../adopt/argocd';
import { compareEnvironment, Difference, DifferenceClass, formatDifference } from '../adopt/compare';
import { Adoption, buildAdoption } from '../adopt/model';
import { AdoptionWaivers, writeProgram } from '../adopt/program';
import { recognize, Recognition } from '../adopt/recognize';
import { AdoptInput, AdoptSource, parseSources, readSource } from '../adopt/sources';
import { InputError, UsageError } from '../core/errors';
import type { Manifest } from '../core/manifest';
import { Finding, validateManifests } from '../validate';
import { loadAppFactory, PACKAGE_FIELD } from './app-module';
import { defineOptions, PositionalSpec } from './args';
import { command, commandHelp } from './command';
import { evaluateProgram, refusingConstructs } from './evaluate-program';
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
objects are in); the values that differ between environments become its settings. Where the
library's constructs render what the input says they stand for it: Deployments + Service +
ServiceAccount + ConfigMaps become a WebService (Deployments split by a version label: its
versions), and their Istio Gateway, DestinationRule, VirtualService and AuthorizationPolicy,
the app's Namespace and namespace-wide PeerAuthentication the constructs, the Argo CD
Application of each environment (deploying its namespace) and their AppProject an ArgoCdChart's
Application and AppProject (syncing the program's folder <env>/<app>); every other object is
written as it is (an ApiObject, the reason it is not a construct in a comment), and the rules
it breaks are waived on it (Waivers.of(object).allow(...)), so the program passes validate from
the start and can be hardened object by object.

--check renders the program in DIR and compares it with the manifests (parsed, not as text):
every difference is listed and classified as real (what runs changes), hardening (security
context, probes, resources, a writable /tmp, Pod Security labels the library adds), default
(what the API server sets anyway: protocol TCP, imagePullPolicy of a pinned tag), waiver
(annotations) or layout (file names, labels, rollout strategy, content-hashed ConfigMap names,
Istio API versions, sync waves, namespaces, an Application's source now the rendered folder).
Where the input has Argo CD objects, the program's are compared too. The sources are the --env
flags, else the ones the adoption recorded in package.json. The program's output must also
pass validate.

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

/** The rules each raw object of the adoption breaks, from the findings of the program built without waivers. */
function waiversOf(adoption: Adoption, recognition: Recognition, findings: readonly Finding[]): { waivers: AdoptionWaivers; unwaived: Finding[] } {
  const unwaived: Finding[] = [];
  const unitOf = new Map(recognition.units.flatMap(u => u.members.map(m => [m, u.id] as const)));
  const byObject = new Map<string, Set<string>>();
  for (const f of findings) {
    const o = adoption.objects.find(x => x.kind === f.kind && (x.as.construct === 'ApiObject' || unitOf.has(x.id))
      && [...x.perEnvironment.values()].some(v => v.metadata?.name === f.name));
    if (o === undefined) { // a construct's own finding (the Namespace, PeerAuthentication): reported
      unwaived.push(f);
      continue;
    }
    // a raw object's waivers are on it; a construct's on the construct (its subtree)
    const id = unitOf.get(o.id) ?? o.id;
    let rules = byObject.get(id);
    if (!rules) byObject.set(id, rules = new Set());
    rules.add(f.rule);
  }
  return { waivers: { rules: new Map([...byObject].map(([id, rules]) => [id, [...rules].sort()])), reason: ADOPTED_REASON }, unwaived };
}

/** The adopted program: the constructs recognized (less those that refuse their props), the waivers of the raw objects. */
interface AdoptedProgram {
  readonly code: string;
  readonly recognition: Recognition;
  readonly waivers: AdoptionWaivers;
  /** Findings the waivers do not cover. */
  readonly remaining: readonly Finding[];
}

/**
 * Write the program, build it in this process and check it: a construct that refuses the props
 * the recognition gave it (a ConfigError at its path) is adopted raw instead, the error as the reason;
 * then each raw object is waived the rules it breaks.
 */
export function adoptedProgram(adoption: Adoption, sources: readonly string[]): AdoptedProgram {
  const excluded = new Map<string, string>();
  for (;;) {
    const recognition = recognize(adoption, excluded);
    const code = writeProgram(adoption, { sources, waivers: { rules: new Map(), reason: ADOPTED_REASON }, recognition });
    let findings: readonly Finding[];
    try {
      findings = validateManifests(evaluateProgram(code).manifests()).findings;
    } catch (e) {
      const refused = [...refusingConstructs(e)].filter(([id]) => recognition.units.some(u => u.id === id) && !excluded.has(id));
      if (refused.length === 0) throw e;
      for (const [id, message] of refused) excluded.set(id, `the construct refuses it: ${message}`);
      continue;
    }
    const { waivers, unwaived } = waiversOf(adoption, recognition, findings);
    // the waivers change nothing but annotations: what they do not cover is what remains (adopt --check renders the written program)
    return { code: writeProgram(adoption, { sources, waivers, recognition }), recognition, waivers, remaining: unwaived };
  }
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
  const { code, recognition, waivers, remaining } = adoptedProgram(adoption, sources.map(s => s.source));

  const { dir: ownDir, manifest } = ownPackage();
  const pkg: Record<string, any> = projectManifest(projectName(dir), manifest, ownDependency(ownDir, manifest.version));
  const recorded: Record<string, string> = {};
  for (const s of sources) recorded[s.environment] = s.source === '-' ? '-' : path.relative(dir, path.resolve(s.source)) || '.';
  pkg[PACKAGE_FIELD] = { ...pkg[PACKAGE_FIELD], [ADOPT_FIELD]: recorded };
  const files = new Map<string, string>([
    ['package.json', `${JSON.stringify(pkg, null, 2)}\n`],
    ['main.ts', code],
    // the adopted program's test: it renders, passes the checks, and matches the snapshot
    ['main.test.ts', fs.readFileSync(path.join(ownDir, 'templates', 'adopt', 'main.test.ts'), 'utf8')],
  ]);
  for (const [template, target] of [['cdk8s.yaml', 'cdk8s.yaml'], ['tsconfig.json', 'tsconfig.json'], ['jest.config.js', 'jest.config.js'],
    ['jest.transform.js', 'jest.transform.js'], ['gitignore', '.gitignore']] as const) {
    files.set(target, fs.readFileSync(path.join(ownDir, 'templates', 'init', template), 'utf8'));
  }
  writeAll(dir, files);

  const argo = recognizeArgoCd(adoption).recognized;
  const argoUnits = argo === undefined ? [] : [{ construct: 'AppProject', members: [argo.project.member] }, ...[...argo.applications.values()].map(a => ({ construct: 'Application', members: [a.member] }))];
  // an input Application is one object per environment; one AppProject stands for the one in every environment
  const allUnits = [...recognition.units, ...argoUnits];
  const claimed = new Set(allUnits.flatMap(u => u.members));
  const raw = adoption.objects.filter(o => o.as.construct === 'ApiObject' && !claimed.has(o.id)).length;
  const constructs = adoption.objects.length - raw - claimed.size + allUnits.length;
  const kinds = [...new Set(allUnits.map(u => u.construct))].map(k => `${allUnits.filter(u => u.construct === k).length} ${k}`).join(', ');
  const waived = [...waivers.rules.values()].reduce((n, r) => n + r.length, 0);
  process.stdout.write(`adopted ${adoption.objects.length} objects of ${inputs.length} environment(s) (${inputs.map(i => `${i.environment}: ${i.manifests.length} from ${i.kind} ${i.source}`).join('; ')}) into ${dir}:\n`
    + `  app ${adoption.app}, namespaces ${adoption.environments.map(e => `${e.name}=${e.namespace}`).join(', ')}\n`
    + `  ${constructs} construct(s)${kinds ? ` (${kinds}, standing for ${claimed.size} objects)` : ''}, ${raw} object(s) as they were (ApiObject); ${waived} waiver(s) on ${waivers.rules.size} object(s)\n`
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
    // the program's Argo CD objects (its Application of this environment, the AppProjects) where the input has Argo CD objects
    const argo = env.input.manifests.some(m => String(m.object.apiVersion).startsWith('argoproj.io/'));
    const inEnvFolder = (m: Manifest) => adoption.environments.some(e => m.path.startsWith(`${e.name}/`));
    const own = manifests.filter(m => m.path.startsWith(`${env.name}/`) || (argo && !inEnvFolder(m) && String(m.object.apiVersion).startsWith('argoproj.io/')
      && (m.object.kind === 'AppProject' || (m.object.kind === 'Application' && m.object.spec?.destination?.namespace === env.namespace))));
    differences.push(...compareEnvironment(env.name, env.namespace, env.input.manifests, own, env.input.kind === 'folder'));
  }
  const findings = validateManifests(manifests).findings;
  const counts: Record<DifferenceClass, number> = { real: 0, hardening: 0, default: 0, waiver: 0, layout: 0 };
  for (const d of differences) counts[d.class]++;
  const ok = counts.real === 0 && findings.length === 0;
  if (output === 'json') {
    printJson({ ok, real: counts.real, counts, differences, findings });
  } else {
    const lines = differences.map(formatDifference);
    for (const f of findings) lines.push(`finding   ${f.file}: ${f.kind}/${f.name}: ${f.rule}: ${f.field}: ${f.message}`);
    lines.push(`${ok ? 'equivalent' : 'NOT equivalent'}: ${counts.real} real difference(s), ${counts.hardening} hardening, ${counts.default} default, ${counts.waiver} waiver, ${counts.layout} layout; `
      + `${findings.length} validate finding(s); ${adoption.environments.map(e => `${e.name} ${e.input.manifests.length} objects`).join(', ')}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  return ok ? 0 : 1;
}
