import { formatJson, formatText, ManifestLoadError, validateDirectory, ValidationReport } from '../validate';
import { OptionTable, parse, UsageError } from './main';

export const HELP = `Usage: cdk8s-gitops validate [DIR] [--format text|json]

Check synthesized manifests (every *.yaml under DIR, default dist/) the way synth does:
  - schema: each object against Kubernetes 1.28, Istio v1 or Argo CD v1alpha1, strictly
    (unknown fields and unknown kinds are findings);
  - cross-references: selectors, ports, ServiceAccounts, ConfigMaps, Secrets, Istio hosts,
    subsets, gateways, weights, rule order, AuthorizationPolicy principals, Argo CD paths
    and AppProject destinations;
  - policy: Pod Security Standards "restricted", probes, resources, pinned images, UIDs,
    service account tokens, Istio port names, AppProject and Gateway wildcards, secrets in env.
One line per finding (FILE: Kind/name: RULE-ID: field: message), then a summary line.
Waive a rule on one object with the annotation cdk8s-gitops.io/waive.<RULE-ID>: "<reason>".

Options:
  --format FORMAT  text (default) or json
  -h, --help       show this help

Exit codes: 0 no findings, 1 findings, 2 usage error (unreadable file, not YAML).
`;

/** The flags of `validate` (util.parseArgs form); `parseOnly` in ./main reads it too. */
export const OPTIONS: OptionTable = {
  'format': { type: 'string' },
};
/** The folder to check is a positional: `validate [DIR]`. */
export const POSITIONALS = true;

export async function run(argv: string[]): Promise<number> {
  const parsed = parse(argv, HELP, OPTIONS, POSITIONALS);
  if (!parsed) return 0;
  const format = parsed.values.format ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json (got ${JSON.stringify(format)})\n\n${HELP}`);
  const [dir, extra] = parsed.positionals;
  if (extra !== undefined) throw new UsageError(`only one DIR may be given (got ${JSON.stringify(dir)} and ${JSON.stringify(extra)})\n\n${HELP}`);
  let report: ValidationReport;
  try {
    report = validateDirectory(dir ?? 'dist');
  } catch (e) {
    if (e instanceof ManifestLoadError) throw new UsageError(e.message);
    throw e;
  }
  process.stdout.write(format === 'json' ? formatJson(report) : formatText(report));
  return report.ok ? 0 : 1;
}
