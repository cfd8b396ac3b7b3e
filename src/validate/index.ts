/**
 * `validate`: pure checks over synthesized objects — schema, cross-references, policy — as a
 * library. The CLI (`cdk8s-gitops validate`) and `synthesize()` use exactly these functions.
 *
 * @example
 * const report = validateManifests(app.manifests());
 * if (!report.ok) console.error(formatText(report));
 */
import { compareText } from '../core/compare';
import { CdkGitOpsError } from '../core/errors';
import { Manifest } from '../core/manifest';
import { fileFinding, Finding } from './finding';
import { clusterScopes } from './cluster-scopes';
import { Deployments, Inventory } from './inventory';
import { loadManifests, ManifestLoadError } from './load';
import { checkObjectNames } from './object-names';
import { checkPodSecurity } from './pod-security';
import { checkPolicy, PolicyOptions } from './policy';
import { formatFinding, ValidationReport } from './report';
import { RULES } from './rules';
import { checkSchemas, SchemaOptions } from './schema';
import { applyWaivers } from './waivers';
import { ArgoReferenceOptions, checkArgoReferences } from './xref-argocd';
import { checkIstioReferences, EXTERNAL_NAMESPACES, IstioReferenceOptions } from './xref-istio';
import { checkMonitoringReferences, DEFAULT_PROMETHEUS_NAMESPACES, MonitoringReferenceOptions } from './xref-monitoring';
import { checkWorkloadReferences } from './xref-workloads';

export type { Finding, WaivedFinding } from './finding';
export type { LoadOptions } from './load';
export { ManifestLoadError, loadManifests, parseManifests } from './load';
export type { PolicyOptions } from './policy';
export { isProduction } from './policy';
export type { ValidationReport } from './report';
export { formatFinding, formatJson, formatSummary, formatText } from './report';
export type { SarifOptions } from './sarif';
export { formatSarif, SARIF_VERSION } from './sarif';
export { formatJunit } from './junit';
export type { FindingSource } from './locate';
export { FindingLocator } from './locate';
export type { Rule, RuleId } from './rules';
export { RULES, ruleById } from './rules';
export type { IstioReferenceOptions } from './xref-istio';
export type { ArgoReferenceOptions } from './xref-argocd';
export type { MonitoringReferenceOptions } from './xref-monitoring';
export { DEFAULT_PROMETHEUS_NAMESPACES } from './xref-monitoring';
export { EXTERNAL_NAMESPACES } from './xref-istio';
export { WAIVER_ANNOTATION_PREFIX, waiverAnnotation } from './waivers';
export type { SchemaOptions } from './schema';
export { DEFAULT_KUBERNETES_VERSION, KUBERNETES_VERSIONS } from './kubernetes-version';

/** Options of a validation. */
export interface ValidateOptions extends PolicyOptions, IstioReferenceOptions, ArgoReferenceOptions, MonitoringReferenceOptions, SchemaOptions {
  /**
   * Files whose objects the GitOps repository already holds byte for byte (a release
   * re-renders most files unchanged): their schema check is skipped. Every other check,
   * those across objects in particular, still sees them.
   * @default - every object's schema is checked
   */
  readonly unchanged?: ReadonlySet<string>;
  /**
   * Files (or documents of a stream) that could not be read as Kubernetes objects, as
   * `loadManifests`' `onError` reports them: each is an INPUT-UNREADABLE finding naming the
   * file (it cannot be waived), and counts as a file of the report.
   * @default - every input was read
   */
  readonly unreadable?: readonly ManifestLoadError[];
}

/**
 * Check manifests: every object against its schema (strictly), cross-references between
 * objects (those inside a cluster per cluster, when Argo CD deploys the output to several),
 * Pod Security Standards "restricted" and the platform policy. Objects of kind
 * `Release` (`cdk8s-gitops/v1`, the release state files) are skipped. Findings on an object
 * carrying a waiver annotation for their rule are reported as waived.
 */
export function validateManifests(manifests: readonly Manifest[], options: ValidateOptions = {}): ValidationReport {
  const deployed = new Deployments(manifests);
  const inventory = new Inventory(manifests, deployed);
  const inCluster = (objects: Inventory): Finding[] => [
    ...checkWorkloadReferences(objects),
    // Prometheus's ServiceAccounts are the platform's too: principals naming them are not checked
    ...checkIstioReferences(objects, {
      ...options,
      externalNamespaces: [...(options.externalNamespaces ?? EXTERNAL_NAMESPACES), ...(options.prometheusNamespaces ?? DEFAULT_PROMETHEUS_NAMESPACES)],
    }),
    ...checkMonitoringReferences(objects, options),
  ];
  const scopes = clusterScopes(manifests, deployed);
  const raw: Finding[] = [
    ...checkSchemas(inventory, options.unchanged, options),
    ...checkObjectNames(inventory),
    ...(scopes === undefined ? inCluster(inventory) : unique(scopes.flatMap(ms => inCluster(new Inventory(ms, deployed))))),
    ...checkArgoReferences(inventory, options),
    ...checkPodSecurity(inventory),
    ...checkPolicy(inventory, options),
  ];
  const { findings, waived } = applyWaivers(inventory, raw);
  // the finding names the file: its message need not repeat it
  const unreadable = (options.unreadable ?? []).map(e => fileFinding(e.file ?? '', 'INPUT-UNREADABLE',
    e.file !== undefined && e.message.startsWith(`${e.file}: `) ? e.message.slice(e.file.length + 2) : e.message));
  findings.push(...unreadable);
  const unreadableFiles = new Set(unreadable.map(f => f.file).filter(f => !manifests.some(m => m.path === f)));
  return {
    ok: findings.length === 0,
    files: inventory.files + unreadableFiles.size,
    objects: inventory.objects.length,
    findings: sortFindings(findings),
    waived: sortFindings(waived),
  };
}

/**
 * Read every YAML file under `dir` (see `loadManifests`) and validate it. A file that cannot
 * be read or is not YAML of Kubernetes objects is an INPUT-UNREADABLE finding naming it, and
 * every other file is still checked. Throws ManifestLoadError only when `dir` itself cannot be read.
 */
export function validateDirectory(dir: string, options: ValidateOptions = {}): ValidationReport {
  const unreadable: ManifestLoadError[] = [...(options.unreadable ?? [])];
  const manifests = loadManifests(dir, { onError: e => unreadable.push(e) });
  return validateManifests(manifests, { ...options, unreadable });
}

/** Thrown by `assertValid`: carries the report. */
export class ValidationError extends CdkGitOpsError {
  /** @param report the report with at least one finding (kept as {@link ValidationError.report}) */
  constructor(public readonly report: ValidationReport) {
    super(`Manifest validation failed with ${report.findings.length} finding(s):\n  ${report.findings.map(formatFinding).join('\n  ')}`);
    this.name = 'ValidationError';
  }
}

/** Validate `manifests` and throw a ValidationError listing every finding unless there is none. */
export function assertValid(manifests: readonly Manifest[], options: ValidateOptions = {}): ValidationReport {
  const report = validateManifests(manifests, options);
  if (!report.ok) throw new ValidationError(report);
  return report;
}

/** `findings` without repeats (the objects every cluster sees are checked once per cluster). */
function unique(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter(f => {
    const key = JSON.stringify(f);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const ruleOrder = new Map(RULES.map((r, i) => [r.id, i]));

function sortFindings<T extends Finding>(findings: T[]): T[] {
  return findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => compareText(a.f.file, b.f.file) || compareText(a.f.kind, b.f.kind) || compareText(a.f.name, b.f.name)
      || (ruleOrder.get(a.f.rule)! - ruleOrder.get(b.f.rule)!) || a.i - b.i)
    .map(x => x.f);
}

