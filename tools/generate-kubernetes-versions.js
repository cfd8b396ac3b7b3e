#!/usr/bin/env node
// Generate src/validate/kubernetes-versions/kubernetes-<minor>.ts: what a Kubernetes minor
// serves, where it differs from the installed kubernetes-models schemas (the validators
// validate uses for every version). Run by hand after `npm run build`, when a minor is added
// or kubernetes-models is upgraded:
//
//   node tools/generate-kubernetes-versions.js 1.33=@kubernetes/client-node@1.3.0 1.34=@kubernetes/client-node@1.4.0
//
// The source of each minor is the official JavaScript client, @kubernetes/client-node, which is
// generated from that minor's OpenAPI definitions (its README's compatibility table; each model
// file names the "OpenAPI spec version"): its models list every field of every definition
// (attributeTypeMap), its API classes every served group/version (request paths). A source may
// also be a folder holding an unpacked client-node package. `npm pack` fetches the package from
// the npm registry (this tool only; tests and users never need the network).
//
// Output per minor: the kinds it serves (kubernetes-models kinds whose group/version the client
// serves and whose definition it has), the fields kubernetes-models declares that the minor
// lacks (reported as unknown fields), and the fields the minor has that kubernetes-models does
// not declare (accepted). Data only, sorted: the same inputs always give the same files.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');

const ROOT = path.join(__dirname, '..');
const OUT = path.join(ROOT, 'src', 'validate', 'kubernetes-versions');
const { loadSchemaModule, packageDir, packageVersion } = require(path.join(ROOT, 'lib', 'src', 'validate', 'schema-modules.js'));

function usage(message) {
  process.stderr.write(`${message}\nusage: node tools/generate-kubernetes-versions.js MINOR=SOURCE...  (SOURCE: an npm spec of @kubernetes/client-node, or an unpacked package folder)\n`);
  process.exit(2);
}

/** The unpacked package folder of `source`. */
function unpack(source) {
  if (fs.existsSync(source)) return fs.existsSync(path.join(source, 'package', 'package.json')) ? path.join(source, 'package') : source;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-client-'));
  const file = execFileSync('npm', ['pack', '--silent', source], { cwd: dir, encoding: 'utf8' }).trim().split('\n').pop();
  execFileSync('tar', ['xzf', file], { cwd: dir });
  return path.join(dir, 'package');
}

/** What a client-node package knows: its spec version, every model's JSON field names, the served group/versions. */
function readClient(dir) {
  const gen = path.join(dir, 'dist', 'gen');
  const modelsDir = ['models', 'model'].map(d => path.join(gen, d)).find(d => fs.existsSync(d));
  const apisDir = ['apis', 'api'].map(d => path.join(gen, d)).find(d => fs.existsSync(d));
  if (!modelsDir || !apisDir) throw new Error(`${dir}: not a @kubernetes/client-node package (no dist/gen/models and dist/gen/apis)`);
  const models = new Map();
  let spec;
  for (const file of fs.readdirSync(modelsDir)) {
    if (!file.endsWith('.js')) continue;
    const text = fs.readFileSync(path.join(modelsDir, file), 'utf8');
    const map = /attributeTypeMap\s*=\s*\[([\s\S]*?)\];/.exec(text);
    if (!map) continue;
    spec ??= /OpenAPI spec version: (\S+)/.exec(text)?.[1];
    const name = file.slice(0, -3);
    models.set(name[0].toUpperCase() + name.slice(1), new Set([...map[1].matchAll(/"baseName":\s*"([^"]+)"/g)].map(m => m[1])));
  }
  const served = new Set();
  for (const file of fs.readdirSync(apisDir)) {
    if (!file.endsWith('.js')) continue;
    const text = fs.readFileSync(path.join(apisDir, file), 'utf8');
    for (const m of text.matchAll(/['"`]\/api\/(v[0-9a-z]+)\//g)) served.add(m[1]);
    for (const m of text.matchAll(/['"`]\/apis\/([a-z0-9.-]+)\/(v[0-9]+(?:(?:alpha|beta)[0-9]+)?)\//g)) served.add(`${m[1]}/${m[2]}`);
  }
  return { spec, models, served };
}

const VERSION = /V[0-9]+(?:(?:alpha|beta)[0-9]+)?(?=[A-Z])/g;

/** The client model of a kubernetes-models schema name (`IoK8sApiCoreV1PodSpec` -> `V1PodSpec` or `CoreV1PodSpec`). */
function clientModel(schema, models) {
  const versions = [...schema.matchAll(VERSION)];
  if (versions.length > 0) {
    const v = versions[versions.length - 1];
    const rest = schema.slice(v.index);
    const before = schema.slice(0, v.index).match(/[A-Z][a-z0-9]*$/)?.[0] ?? '';
    for (const candidate of [`${before}${rest}`, rest]) if (models.has(candidate)) return candidate;
    return undefined;
  }
  // unversioned (IoK8sApimachineryPkgVersionInfo -> VersionInfo): the longest suffix of words the client has
  const words = schema.match(/[A-Z][a-z0-9]*/g) ?? [];
  for (let i = 1; i < words.length; i++) {
    const candidate = words.slice(i).join('');
    if (models.has(candidate)) return candidate;
  }
  return undefined;
}

/** The fields each kubernetes-models schema declares (every property its validator reads, as strict.ts sees them). */
function declaredFields() {
  const out = new Map();
  for (const pkg of ['kubernetes-models', '@kubernetes-models/apimachinery']) {
    const dir = path.join(packageDir('kubernetes-models'), '..', pkg, '_schemas');
    const found = fs.existsSync(dir) ? dir : path.join(packageDir(pkg), '_schemas');
    for (const file of fs.readdirSync(found).sort()) if (file.endsWith('.js') && !out.has(file.slice(0, -3))) out.set(file.slice(0, -3), path.join(found, file));
  }
  const fields = new Map();
  for (const [schema, file] of [...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const validate = loadSchemaModule(file).validate;
    const read = new Set();
    const probe = new Proxy({}, {
      get(target, key) { if (typeof key === 'string') read.add(key); return undefined; },
      has(target, key) { if (typeof key === 'string') read.add(key); return false; },
    });
    try { validate(probe); } catch { /* a validator that throws on the probe declares nothing we can see */ }
    fields.set(schema, read);
  }
  return fields;
}

/**
 * The client model of each schema. Where several schemas fall back to one unprefixed client
 * name (\`IoK8sApiRbacV1Subject\` and \`IoK8sApiFlowcontrolV1Subject\` -> \`V1Subject\` in a client that
 * has only one of them), the name goes to the schema whose fields overlap it most, the others get none.
 */
function clientModels(declared, models) {
  const byModel = new Map();
  for (const schema of declared.keys()) {
    const model = clientModel(schema, models);
    if (model) byModel.set(model, [...(byModel.get(model) ?? []), schema]);
  }
  const out = new Map();
  for (const [model, schemas] of byModel) {
    const has = models.get(model);
    const score = s => { const f = declared.get(s); const common = [...f].filter(x => has.has(x)).length; return common / (f.size + has.size - common || 1); };
    const best = schemas.length === 1 ? schemas[0] : [...schemas].sort((a, b) => score(b) - score(a))[0];
    out.set(best, model);
  }
  return out;
}

/** Every kind kubernetes-models has: `[group/version or version, kind, client model candidates]`. */
function modelKinds() {
  const root = packageDir('kubernetes-models');
  const out = [];
  for (const group of fs.readdirSync(root)) {
    const gdir = path.join(root, group);
    if (group.startsWith('_') || !fs.statSync(gdir).isDirectory()) continue;
    const versions = group === 'v1' ? [['', gdir]] : fs.readdirSync(gdir).map(v => [v, path.join(gdir, v)]).filter(([, d]) => fs.statSync(d).isDirectory());
    for (const [, vdir] of versions) {
      for (const file of fs.readdirSync(vdir)) {
        if (!file.endsWith('.js') || file.endsWith('List.js')) continue;
        const text = fs.readFileSync(path.join(vdir, file), 'utf8');
        const apiVersion = /apiVersion\s*=\s*"([^"]+)"/.exec(text)?.[1];
        const kind = /kind\s*=\s*"([^"]+)"/.exec(text)?.[1];
        const schema = /_schemas\/([A-Za-z0-9]+)\.js"/.exec(text)?.[1];
        if (apiVersion && kind && schema) out.push({ apiVersion, kind, schema });
      }
    }
  }
  return out;
}

function record(entries) {
  const keys = [...entries.keys()].sort();
  if (keys.length === 0) return '{}';
  return `{\n${keys.map(k => `  ${k}: [${[...entries.get(k)].sort().map(f => `'${f}'`).join(', ')}],`).join('\n')}\n}`;
}

function generate(minor, source) {
  const dir = unpack(source);
  const client = readClient(dir);
  const clientVersion = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
  const declared = declaredFields();
  const absent = new Map();
  const extra = new Map();
  const mapping = clientModels(declared, client.models);
  for (const [schema, fields] of declared) {
    const model = mapping.get(schema);
    if (!model || fields.size === 0) continue;
    const has = client.models.get(model);
    const missing = [...fields].filter(f => !has.has(f) && f !== 'apiVersion' && f !== 'kind');
    const added = [...has].filter(f => !fields.has(f));
    if (missing.length > 0) absent.set(schema, missing);
    if (added.length > 0) extra.set(schema, added);
  }
  const kinds = new Set();
  for (const k of modelKinds()) {
    if (!client.served.has(k.apiVersion)) continue;
    if (mapping.has(k.schema)) kinds.add(`${k.apiVersion} ${k.kind}`);
  }
  const modelsVersion = packageVersion(packageDir('kubernetes-models'));
  const id = minor.replace('.', '_');
  const text = `/**
 * What Kubernetes ${minor} serves, where it differs from the \`kubernetes-models\` schemas.
 *
 * Generated by \`tools/generate-kubernetes-versions.js\` from \`@kubernetes/client-node\`
 * ${clientVersion} (OpenAPI spec version ${client.spec}) compared with \`kubernetes-models\`
 * ${modelsVersion}: do not edit. Regenerate when either side changes.
 */
import { KubernetesVersionData } from './data';

/** Kubernetes ${minor}. */
export const KUBERNETES_${id}: KubernetesVersionData = {
  version: '${minor}',
  source: '@kubernetes/client-node ${clientVersion} (OpenAPI ${client.spec})',
  kinds: [
${[...kinds].sort().map(k => `    '${k}',`).join('\n')}
  ],
  absentFields: ${record(absent).replace(/\n/g, '\n  ')},
  extraFields: ${record(extra).replace(/\n/g, '\n  ')},
};
`;
  fs.mkdirSync(OUT, { recursive: true });
  const file = path.join(OUT, `kubernetes-${minor}.ts`);
  fs.writeFileSync(file, text);
  process.stdout.write(`${path.relative(ROOT, file)}: ${kinds.size} kinds, ${absent.size} schemas with absent fields, ${extra.size} with extra fields (client ${clientVersion}, OpenAPI ${client.spec})\n`);
}

const args = process.argv.slice(2);
if (args.length === 0) usage('name at least one MINOR=SOURCE');
for (const arg of args) {
  const m = /^(1\.[0-9]+)=(.+)$/.exec(arg);
  if (!m) usage(`${JSON.stringify(arg)} is not MINOR=SOURCE (e.g. 1.33=@kubernetes/client-node@1.3.0)`);
  generate(m[1], m[2]);
}
