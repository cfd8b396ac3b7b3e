import * as fs from 'fs';
import * as path from 'path';
import { Manifest } from '../core/manifest';
import {
  FindingLocator, FindingSource, formatJson, formatJunit, formatSarif, formatText, loadManifests, ManifestLoadError, parseManifests, ValidateOptions,
  validateManifests,
} from '../validate';
import { defineOptions, PositionalSpec } from './args';
import { command, commandHelp } from './command';
import { UsageError } from '../core/errors';
import { outputOption } from './output';
import { formatCount, Progress } from './progress';
import { SCHEMA_OPTIONS, schemaSettings } from './validation-settings';

export const OPTIONS = defineOptions({
  ...SCHEMA_OPTIONS,
  ...outputOption(['text', 'json', 'sarif', 'junit'], 'text (default); json: {ok, summary, findings, waived};\nsarif: SARIF 2.1.0 for code scanning; junit: JUnit XML for test reports'),
  format: { type: 'string', aliasOf: { flag: 'output' }, value: 'FMT', description: 'deprecated spelling of -o' },
});

export const POSITIONALS: PositionalSpec = { name: 'DIR', max: 1 };

export const HELP = commandHelp(`Usage: cdk8s-gitops validate [DIR | -] [-o text|json|sarif|junit] [--kubernetes-version X.Y]
                             [--schema-location DIR|TEMPLATE]... [--skip KIND]...

Check synthesized manifests (every *.yaml under DIR, default dist/; a single file; or, with
-, a YAML stream on stdin such as \`helm template ... | cdk8s-gitops validate -\`) the way
synth does:
  - schema: each object against Kubernetes (--kubernetes-version), Istio v1, Argo CD
    v1alpha1, Prometheus Operator, External Secrets or a --schema-location's JSON schema,
    strictly (unknown fields and unknown kinds are findings);
  - cross-references: selectors, ports, ServiceAccounts, ConfigMaps, Secrets, Istio hosts,
    subsets, gateways, weights, rule order, AuthorizationPolicy principals, Argo CD paths
    and AppProject destinations;
  - policy: Pod Security Standards "restricted", probes, resources, pinned images, UIDs,
    service account tokens, Istio port names, AppProject and Gateway wildcards, secrets in env.
One line per finding (FILE: Kind/name: RULE-ID: field: message), then a summary line.
Documents read from stdin are named <stdin>#N (N: the document's position in the stream);
a stream has no folder layout, so Argo CD Applications' source paths are not checked there.
Waive a rule on one object with the annotation cdk8s-gitops.io/waive.<RULE-ID>: "<reason>".

`, OPTIONS, `A file that cannot be read as YAML of Kubernetes objects (not a regular file, too large, not
YAML, an alias bomb, a document that is not a mapping) is an INPUT-UNREADABLE finding naming
it; every other file is still checked and the report is written in full.

Exit codes: 0 no findings, 1 findings, 2 usage error (missing DIR, bad options, empty stdin)
or a file that cannot be read (INPUT-UNREADABLE).
`);

/** The name stdin's documents get in findings: `<stdin>#N`. */
export const STDIN = '<stdin>';

export const run = command({ help: HELP, options: OPTIONS, positionals: POSITIONALS }, async ({ values, positionals, output: format }) => {
  const target = positionals[0] ?? 'dist';
  const settings = schemaSettings(values);
  const progress = Progress.start();
  try {
    progress.phase(target === '-' ? 'reading stdin…' : `reading ${target}…`);
    // files that cannot be read are findings (INPUT-UNREADABLE): every other file is still checked
    const unreadable: ManifestLoadError[] = [];
    const input = target === '-' ? await readStdin(unreadable) : readDirectory(target, unreadable);
    progress.phase(`validating ${formatCount(input.manifests.length)} documents…`);
    const report = validateManifests(input.manifests, { ...input.options, ...settings, unreadable });
    progress.finish();
    const locator = new FindingLocator(input.source);
    process.stdout.write(format === 'json' ? formatJson(report)
      : format === 'sarif' ? formatSarif(report, { baseDir: input.baseDir, line: f => locator.line(f) })
        : format === 'junit' ? formatJunit(report, input.manifests)
          : formatText(report));
    if (unreadable.length > 0) {
      const files = new Set(unreadable.map(e => e.file)).size;
      process.stderr.write(`cdk8s-gitops validate: ${files === 1 ? '1 file' : `${files} files`} could not be read (wholly or in part) as YAML of Kubernetes objects (INPUT-UNREADABLE, listed in the report)\n`);
      return 2;
    }
    return report.ok ? 0 : 1;
  } finally {
    progress.stop();
  }
});

/** Manifests to check and where their files are. */
interface Input {
  readonly manifests: Manifest[];
  /** The folder file paths are relative to; undefined for stdin. */
  readonly baseDir?: string;
  /** The text of a file of the input. */
  readonly source: (file: string) => FindingSource | undefined;
  /** Options of the validation. */
  readonly options?: ValidateOptions;
}

function readDirectory(target: string, unreadable: ManifestLoadError[]): Input {
  const manifests = loading(() => loadManifests(target, { onError: e => unreadable.push(e) }));
  // a single file is named by its base name (see loadManifests)
  const baseDir = path.resolve(fs.statSync(target).isFile() ? path.dirname(target) : target);
  return {
    manifests,
    baseDir,
    source: file => {
      try {
        return { text: fs.readFileSync(path.join(baseDir, file), 'utf8') };
      } catch {
        return undefined;
      }
    },
  };
}

async function readStdin(unreadable: ManifestLoadError[]): Promise<Input> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  const manifests = parseManifests(text, STDIN, i => `${STDIN}#${i + 1}`, e => unreadable.push(e));
  if (manifests.length === 0 && unreadable.length === 0) throw new UsageError(`${STDIN}: no Kubernetes objects on standard input (${text.length === 0 ? 'it was empty' : 'only empty documents'}); pipe manifests into it, e.g. \`helm template ... | cdk8s-gitops validate -\``);
  return {
    manifests,
    // a stream has no folder layout: Argo CD Applications' source paths cannot be judged
    options: { outsideFolders: [''] },
    source: file => {
      const m = /^<stdin>#(\d+)$/.exec(file);
      return m ? { text, document: Number(m[1]) - 1 } : undefined;
    },
  };
}

/** The manifests `load` reads; a folder it cannot read at all (`ManifestLoadError`) is a usage error. */
function loading(load: () => Manifest[]): Manifest[] {
  try {
    return load();
  } catch (e) {
    if (e instanceof ManifestLoadError) throw new UsageError(e.message);
    throw e;
  }
}
