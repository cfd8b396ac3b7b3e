import { isDeepStrictEqual } from 'util';
import { recognizeArgoCd } from './argocd';
import { Adoption, AdoptedEnvironment, AdoptedObject, namespaceSettings, programObject } from './model';
import { camel, Code, ConstructUnit, quote, Recognition } from './recognize';

/** Rule ids to waive per object id, and the reason written with them. */
export interface AdoptionWaivers {
  readonly rules: ReadonlyMap<string, readonly string[]>;
  readonly reason: string;
}

/**
 * A value across the environments, as the program writes it: the same everywhere (a literal),
 * a structure of such, a string that differs only by the namespace (a template literal), or
 * a setting of the environment (lifted).
 */
type Template =
  | { readonly lit: unknown }
  | { readonly obj: readonly (readonly [string, Template])[] }
  | { readonly arr: readonly Template[] }
  | { readonly ns: readonly string[] }
  | { readonly setting: string };

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Code);
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
/** Last words of a path too generic to name a setting alone. */
const GENERIC = ['name', 'value', 'key', 'values', 'mode', 'host', 'hosts', 'port', 'number', 'path'];

/** The settings lifted so far: key -> value per environment (in the environments' order). */
class Settings {
  public readonly values = new Map<string, unknown[]>();
  public readonly docs = new Map<string, string>();

  constructor(private readonly environments: number) {}

  /** A setting for `values` of the environments at `indexes` (the others: undefined). */
  /** Keys lifted from raw objects: the same values in another raw object are the same setting. */
  private readonly shared = new Set<string>();
  /** The base each key was lifted from. */
  private readonly bases = new Map<string, string>();

  public lift(base: string, path: readonly (string | number)[], memberValues: unknown[], indexes: readonly number[], doc: string, share = true): string {
    const values: unknown[] = new Array(this.environments).fill(undefined);
    indexes.forEach((at, i) => { values[at] = memberValues[i]; });
    // the same values in every environment are one setting (a ConfigMap's name and the references to it);
    // a construct's settings are its own (two services that run the same tag today are released apart)
    for (const [k, v] of this.values) {
      if (isDeepStrictEqual(v, values) && values.every(x => x !== undefined) && (share ? this.shared.has(k) : this.bases.get(k) === base)) return k;
    }
    const words = path.filter((p): p is string => typeof p === 'string' && p !== 'spec' && p !== 'metadata' && p !== 'template');
    // a generic last word takes its parent along: configMapRef.name, not name
    if (words.length > 1 && GENERIC.includes(words[words.length - 1])) words.splice(words.length - 2, 2, `${words[words.length - 2]}-${words[words.length - 1]}`);
    let key = '';
    for (let n = 1; n <= words.length + 1; n++) {
      key = camel([base, ...words.slice(Math.max(0, words.length - n))]);
      if (!this.values.has(key) || isDeepStrictEqual(this.values.get(key), values)) break;
    }
    for (let i = 2; this.values.has(key) && !isDeepStrictEqual(this.values.get(key), values); i++) key = `${camel([base, ...words])}${i}`;
    this.values.set(key, values);
    this.docs.set(key, doc);
    this.bases.set(key, base);
    if (share) this.shared.add(key);
    return key;
  }
}

/** The template of `values` (one per environment) at `path` of object `base`. */
function template(values: unknown[], namespaces: readonly string[], settings: Settings, base: string, path: (string | number)[], where: string, indexes: readonly number[], share = true): Template {
  if (values.every(v => isDeepStrictEqual(v, values[0]))) return { lit: values[0] };
  if (values.some(v => v instanceof Code)) throw new Error(`adopt: ${where} ${path.join('.')}: code differs between environments`);
  if (values.every(isPlainObject)) {
    const keys = Object.keys(values[0] as object);
    if (values.every(v => { const k = Object.keys(v as object); return k.length === keys.length && keys.every(x => k.includes(x)); })) {
      return { obj: keys.map(k => [k, template(values.map(v => (v as Record<string, unknown>)[k]), namespaces, settings, base, [...path, k], where, indexes, share)] as const) };
    }
  }
  if (values.every(Array.isArray) && values.every(v => (v as unknown[]).length === (values[0] as unknown[]).length)) {
    return { arr: (values[0] as unknown[]).map((_, i) => template(values.map(v => (v as unknown[])[i]), namespaces, settings, base, [...path, i], where, indexes, share)) };
  }
  if (values.every(v => typeof v === 'string') && namespaces.every(ns => ns !== '')) {
    const parts = values.map((v, i) => (v as string).split(namespaces[i]));
    if (parts[0].length > 1 && parts.every(p => isDeepStrictEqual(p, parts[0]))) return { ns: parts[0] };
  }
  const field = path.map(p => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '');
  return { setting: settings.lift(base, path, values, indexes, `${where} ${field}`, share) };
}

/** A value as TypeScript source, indented by `indent`. */
function literal(value: unknown, indent: string): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (value instanceof Code) return value.text;
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const items = value.map(v => literal(v, inner));
    const flat = `[${items.join(', ')}]`;
    return flat.length <= 80 && !flat.includes('\n') ? flat : `[\n${items.map(i => `${inner}${i},\n`).join('')}${indent}]`;
  }
  const entries = Object.entries(value as object).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  const items = entries.map(([k, v]) => `${key(k)}: ${literal(v, inner)}`);
  const flat = `{ ${items.join(', ')} }`;
  return flat.length <= 80 && !flat.includes('\n') ? flat : `{\n${items.map(i => `${inner}${i},\n`).join('')}${indent}}`;
}

function render(t: Template, indent: string): string {
  if ('lit' in t) return literal(t.lit, indent);
  if ('setting' in t) return `s.${t.setting}`;
  if ('ns' in t) return `\`${t.ns.map(escapeTemplate).join('${s.namespace}')}\``;
  const inner = `${indent}  `;
  if ('arr' in t) {
    const items = t.arr.map(x => render(x, inner));
    const flat = `[${items.join(', ')}]`;
    return flat.length <= 80 && !flat.includes('\n') ? flat : `[\n${items.map(i => `${inner}${i},\n`).join('')}${indent}]`;
  }
  const items = t.obj.map(([k, x]) => `${key(k)}: ${render(x, inner)}`);
  if (items.length === 0) return '{}';
  const flat = `{ ${items.join(', ')} }`;
  return flat.length <= 80 && !flat.includes('\n') ? flat : `{\n${items.map(i => `${inner}${i},\n`).join('')}${indent}}`;
}

const key = (k: string) => (IDENTIFIER.test(k) ? k : quote(k));
const escapeTemplate = (s: string) => s.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${').replace(/\n/g, '\\n').replace(/[\u0000-\u001f]/g, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** The TypeScript type of a value (for the Settings interface). */
function typeOf(values: unknown[]): string {
  const one = (v: unknown): string => {
    if (v === null) return 'null';
    if (Array.isArray(v)) {
      const items = [...new Set(v.map(one))];
      return items.length === 0 ? 'unknown[]' : items.length === 1 ? `${items[0]}[]` : `Array<${items.join(' | ')}>`;
    }
    if (isPlainObject(v)) return `{ ${Object.entries(v).map(([k, x]) => `readonly ${key(k)}: ${one(x)}`).join('; ')} }`;
    return typeof v;
  };
  const types = [...new Set(values.map(v => (v === undefined ? 'undefined' : one(v))))];
  return types.join(' | ');
}

/** Options of {@link writeProgram}. */
export interface ProgramOptions {
  /** Each environment's source as the user gave it, for the header comment. */
  readonly sources: readonly string[];
  /** The rules to waive per object, and why. */
  readonly waivers: AdoptionWaivers;
  /** The constructs recognized, and why the other workloads are raw. */
  readonly recognition: Recognition;
}

/** Every {@link Code} in a value. */
function codes(v: unknown): Code[] {
  if (v instanceof Code) return [v];
  if (Array.isArray(v)) return v.flatMap(codes);
  if (v !== null && typeof v === 'object') return Object.values(v).flatMap(codes);
  return [];
}

/** The adopted program, `main.ts`. */
export function writeProgram(adoption: Adoption, options: ProgramOptions): string {
  const envs = adoption.environments;
  const { units, reasons } = options.recognition;
  const settings = new Settings(envs.length);
  settings.values.set('namespace', envs.map(e => e.namespace));
  settings.docs.set('namespace', "The app's namespace.");
  const envProps = ['name'];
  const gateways = options.recognition.gateways;
  if (gateways.size > 0) {
    const accounts = envs.map(e => gateways.get(e.name)?.serviceAccount ?? 'istio-ingressgateway-service-account');
    settings.values.set('gatewayServiceAccount', accounts);
    settings.docs.set('gatewayServiceAccount', "The ingress gateway's ServiceAccount (its principal is what AuthorizationPolicies allow).");
    envProps.push('gatewayServiceAccount: s.gatewayServiceAccount');
    const namespaces = envs.map(e => gateways.get(e.name)?.namespace ?? 'istio-system');
    if (namespaces.some(n => n !== 'istio-system')) {
      settings.values.set('gatewayNamespace', namespaces);
      settings.docs.set('gatewayNamespace', "The ingress gateway's namespace.");
      envProps.push('gatewayNamespace: s.gatewayNamespace');
    }
  }
  const nsValues = envs.map(e => namespaceSettings(adoption, e.name));
  const nsTemplate = (field: 'istioInjection' | 'enforcePodSecurity' | 'labels' | 'annotations') =>
    template(nsValues.map(n => n[field]), envs.map(() => ''), settings, 'namespace', [field], 'the Namespace', envs.map((_, i) => i));

  const uses = new Set<string>(['AppChart', 'Environment', 'GitOpsApp', 'GitOpsAppProps']);
  const cdk8s = new Set<string>();
  const body: string[] = [];
  const indent = '      ';
  const nsProps = [`environment`, `app: APP`, `namespace: s.namespace`];
  const injection = nsTemplate('istioInjection');
  if (!('lit' in injection && injection.lit === true)) nsProps.push(`istioInjection: ${render(injection, indent)}`);
  const enforce = nsTemplate('enforcePodSecurity');
  if (!('lit' in enforce && enforce.lit === false)) nsProps.push(`enforcePodSecurity: ${render(enforce, indent)}`);
  body.push(`${indent}const chart = new AppChart(app, \`\${APP}-\${name}\`, { ${nsProps.join(', ')} });`);
  for (const [field, method] of [['labels', 'addLabel'], ['annotations', 'addAnnotation']] as const) {
    const t = nsTemplate(field);
    if ('lit' in t && Object.keys(t.lit as object).length === 0) continue;
    cdk8s.add('ApiObject');
    body.push(`${indent}for (const [k, v] of Object.entries(${render(t, indent)})) (chart.node.findChild('Namespace') as ApiObject).metadata.${method}(k, v as string);`);
  }

  // objects (and constructs) in every environment first, then those of only some, each group in the adoption's order, WebServices first
  const memberOf = new Map<string, ConstructUnit>();
  for (const u of units) for (const m of u.members) memberOf.set(m, u);
  // Argo CD: the Applications (one per environment) and their AppProject as the library's constructs, in the Argo CD folder
  const argo = recognizeArgoCd(adoption);
  const argoMembers = new Set(argo.recognized === undefined ? [] : [argo.recognized.project.member, ...[...argo.recognized.applications.values()].map(a => a.member)]);
  const argoLines: string[] = [];
  if (argo.recognized !== undefined) {
    const r = argo.recognized;
    for (const x of ['ArgoCdChart', 'AppProject', 'Application']) uses.add(x);
    argoLines.push(`  // the Applications sync the folders this program renders (\`<environment>/\${APP}\`), no longer the adopted sources`);
    argoLines.push(`  const argoCd = new ArgoCdChart(app, 'argocd', ${literal(r.chart, '  ')});`);
    argoLines.push(`  const argoProject = new AppProject(argoCd, 'project', ${literal({ name: r.project.name, description: r.project.description }, '  ')});`);
    const all = envs.map((_, i) => i);
    const values = envs.map(e => r.applications.get(e.name)!.props);
    const entries = propsTemplate(values, envs.map(e => e.namespace), settings, 'application', 'Application:', all);
    for (const v of values) for (const c of codes(v)) { for (const x of c.uses) uses.add(x); for (const x of c.cdk8s) cdk8s.add(x); }
    const props = render({ obj: [['project', { lit: new Code('argoProject') }], ['source', { lit: new Code('chart') }], ...entries] }, indent);
    body.push(`${indent}new Application(argoCd, \`\${APP}-\${name}\`, ${props});`);
  }
  const referred = new Set(units.flatMap(u => u.refers));
  const groupOf = (environments: readonly string[]) => (environments.length === envs.length ? '' : environments.join(','));
  type Item = { unit: ConstructUnit } | { object: AdoptedObject };
  const groups = new Map<string, Item[]>();
  const add = (where: string, item: Item) => groups.set(where, [...(groups.get(where) ?? []), item]);
  for (const u of units) if (u.construct === 'WebService') add(groupOf(u.environments), { unit: u });
  for (const o of adoption.objects) {
    if (o.as.construct === 'AppChart.namespace' || argoMembers.has(o.id)) continue;
    const unit = memberOf.get(o.id);
    if (unit !== undefined) {
      if (unit.construct !== 'WebService' && unit.members[0] === o.id) add(groupOf(unit.environments), { unit });
      continue;
    }
    add(groupOf(envs.filter(e => o.perEnvironment.has(e.name)).map(e => e.name)), { object: o });
  }
  const order = [...groups.keys()].sort((a, b) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b)));
  for (const where of order) {
    const members = envs.filter(e => where === '' || where.split(',').includes(e.name));
    const inner = where === '' ? indent : `${indent}  `;
    if (where !== '') {
      body.push('');
      body.push(`${indent}if (${members.map(e => `name === ${quote(e.name)}`).join(' || ')}) {`);
    }
    const indexes = members.map(m => envs.indexOf(m));
    for (const item of groups.get(where)!) {
      if ('unit' in item) {
        body.push(...unitCode(item.unit, members, indexes, settings, inner, referred.has(item.unit.variable), options.waivers, uses, cdk8s));
      } else {
        const why = reasons.get(item.object.id) ?? argo.reasons.get(item.object.id);
        if (why !== undefined) {
          const construct = constructFor(item.object.kind);
          body.push(`${inner}// adopted as it is, not as ${/^[AEIOU]/.test(construct) ? 'an' : 'a'} ${construct}: ${why.replace(/\n/g, ' ')}`);
        }
        body.push(...objectCode(item.object, members, indexes, settings, inner, options.waivers, uses, cdk8s));
      }
    }
    if (where !== '') body.push(`${indent}}`);
  }

  const keys = [...settings.values.keys()];
  const settingsInterface = keys.map(k => `  /** ${settings.docs.get(k)} */\n  readonly ${key(k)}: ${typeOf(settings.values.get(k)!)};\n`).join('');
  const settingsValues = envs.map((e, i) => `  ${key(e.name)}: {\n${keys.map(k => `    ${key(k)}: ${literal(settings.values.get(k)![i], '    ')},\n`).join('')}  },\n`).join('');
  const imports = [
    ...(cdk8s.size > 0 ? [`import { ${[...cdk8s].sort().join(', ')} } from 'cdk8s';`] : []),
    `import { ${[...uses].sort().join(', ')} } from 'cdk8s-gitops';`,
  ];
  return `// Adopted by \`cdk8s-gitops adopt\` from ${envs.map((e, i) => `${e.name}=${options.sources[i]}`).join(', ')}.
// \`cdk8s-gitops adopt --check\` compares what this program renders with those manifests.
${imports.join('\n')}

/** The app: its folder in the GitOps repository is \`<environment>/${adoption.app}\`. */
const APP = ${quote(adoption.app)};

/** What differs between the environments (lifted from the adopted manifests). */
interface Settings {
${settingsInterface}}

/** Each environment and its settings. */
const ENVIRONMENTS: Record<string, Settings> = {
${settingsValues}};

${uses.has('Waivers') ? `/** Why the adopted objects are waived: harden an object, then drop its waiver. */
const ADOPTED = ${quote(options.waivers.reason)};

` : ''}export function createApp(props: GitOpsAppProps = {}): GitOpsApp {
  const app = new GitOpsApp(props);
${argoLines.map(l => `${l}\n`).join('')}  for (const [name, s] of Object.entries(ENVIRONMENTS)) {
    app.addEnvironment(new Environment({ ${envProps.join(', ')} }), environment => {
${body.join('\n')}
    });
  }
  return app;
}
`;
}

/** The construct a raw object of `kind` could have been. */
function constructFor(kind: string): string {
  return ['Deployment', 'Service', 'ServiceAccount', 'ConfigMap'].includes(kind) ? 'WebService' : kind;
}

/** The props of a unit as a template: each key on its own (a key missing in some environments is undefined there). */
function propsTemplate(values: readonly Record<string, unknown>[], namespaces: readonly string[], settings: Settings, base: string, where: string, indexes: readonly number[], skip: readonly string[] = []): Array<readonly [string, Template]> {
  const keys = [...new Set(values.flatMap(v => Object.keys(v)))].filter(k => !skip.includes(k) && values.some(v => v[k] !== undefined));
  return keys.map(k => [k, template(values.map(v => v[k]), namespaces, settings, base, [k], where, indexes, false)] as const);
}

function unitCode(u: ConstructUnit, envs: readonly AdoptedEnvironment[], indexes: readonly number[], settings: Settings, indent: string, referred: boolean,
  waivers: AdoptionWaivers, uses: Set<string>, cdk8s: Set<string>): string[] {
  const namespaces = envs.map(e => e.namespace);
  uses.add(u.construct);
  for (const c of codes(u.props)) {
    for (const x of c.uses) uses.add(x);
    for (const x of c.cdk8s) cdk8s.add(x);
  }
  const where = `${u.construct} ${u.id}:`;
  const entries = propsTemplate(u.props, namespaces, settings, u.base, where, indexes, ['versions']);
  const versions = u.props[0].versions as Record<string, unknown>[] | undefined;
  if (versions !== undefined) {
    // each version's settings are named after it: backendV1Tag
    const arr = versions.map((v, i) => ({ obj: propsTemplate(u.props.map(p => (p.versions as Record<string, unknown>[])[i]), namespaces, settings, `${u.base}-${String(v.name)}`, `${where} versions[${i}]`, indexes) }));
    entries.push(['versions', { arr }]);
  }
  const text = render({ obj: entries }, indent);
  const rules = waivers.rules.get(u.id) ?? [];
  const lines = [`${indent}${referred || rules.length > 0 ? `const ${u.variable} = ` : ''}new ${u.construct}(chart, ${quote(u.id)}, ${text});`];
  if (rules.length > 0) {
    uses.add('Waivers');
    lines.push(`${indent}Waivers.of(${u.variable}).allow(${literal([...rules], indent)}, ADOPTED);`);
  }
  return lines;
}

function objectCode(o: AdoptedObject, envs: readonly AdoptedEnvironment[], indexes: readonly number[], settings: Settings, indent: string,
  waivers: AdoptionWaivers, uses: Set<string>, cdk8s: Set<string>): string[] {
  const id = quote(o.id);
  switch (o.as.construct) {
    case 'PeerAuthentication':
      uses.add('PeerAuthentication');
      uses.add('MtlsMode');
      return [`${indent}new PeerAuthentication(chart, ${id}, { ${o.as.name === 'default' ? '' : `name: ${quote(o.as.name)}, `}mode: MtlsMode.${o.as.mode} });`];
    case 'AuthorizationPolicy.denyAll':
      uses.add('AuthorizationPolicy');
      return [`${indent}AuthorizationPolicy.denyAll(chart, ${id}${o.as.name === 'deny-all' ? '' : `, ${quote(o.as.name)}`});`];
    default: {
      cdk8s.add('ApiObject');
      const values = envs.map(e => programObject(o, e)!);
      const t = template(values, envs.map(e => e.namespace), settings, `${o.kind}-${o.name}`, [], `${o.kind} ${o.name}:`, indexes);
      const variable = camel([o.id]);
      const rules = waivers.rules.get(o.id) ?? [];
      const lines = [`${indent}${rules.length > 0 || !o.namespaced ? `const ${variable} = ` : ''}new ApiObject(chart, ${id}, ${render(t, indent)});`];
      if (!o.namespaced) {
        cdk8s.add('JsonPatch');
        lines.push(`${indent}${variable}.addJsonPatch(JsonPatch.remove('/metadata/namespace')); // cluster-scoped`);
      }
      if (rules.length > 0) {
        uses.add('Waivers');
        lines.push(`${indent}Waivers.of(${variable}).allow(${literal([...rules], indent)}, ADOPTED);`);
      }
      return lines;
    }
  }
}
