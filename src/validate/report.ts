import { Finding, isFileFinding, WaivedFinding } from './finding';

/** The outcome of a validation. */
export interface ValidationReport {
  /** True when no (unwaived) finding remains. */
  readonly ok: boolean;
  /** Number of files the objects came from. */
  readonly files: number;
  /** Number of Kubernetes objects checked. */
  readonly objects: number;
  /** Findings that stand, sorted by file. */
  readonly findings: readonly Finding[];
  /** Findings a waiver annotation accepts, sorted by file. */
  readonly waived: readonly WaivedFinding[];
}

/** One finding as one line: `FILE: Kind/name: RULE-ID: field: message`; one about a whole file: `FILE: RULE-ID: message`. */
export function formatFinding(f: Finding): string {
  if (isFileFinding(f)) return `${f.file}: ${f.rule}: ${f.message}`;
  return `${f.file}: ${f.kind}/${f.name}: ${f.rule}: ${f.field ? `${f.field}: ` : ''}${f.message}`;
}

/** The summary line, e.g. `2 findings, 1 waived, in 14 objects (12 files)`. */
export function formatSummary(report: ValidationReport): string {
  const n = report.findings.length;
  const head = n === 0 ? 'OK: 0 findings' : `${n} finding${n === 1 ? '' : 's'}`;
  return `${head}, ${report.waived.length} waived, in ${report.objects} object${report.objects === 1 ? '' : 's'} (${report.files} file${report.files === 1 ? '' : 's'})`;
}

/**
 * The report as text: one line per finding, then the summary line, then one indented line per
 * waived finding with its reason.
 */
export function formatText(report: ValidationReport): string {
  const lines = report.findings.map(formatFinding);
  lines.push(formatSummary(report));
  for (const w of report.waived) lines.push(`  waived: ${formatFinding(w)} (reason: ${JSON.stringify(w.reason)})`);
  return `${lines.join('\n')}\n`;
}

/** The report as JSON, for CI: `{ ok, summary: {files, objects, findings, waived}, findings: [...], waived: [...] }`. */
export function formatJson(report: ValidationReport): string {
  return `${JSON.stringify({
    ok: report.ok,
    summary: { files: report.files, objects: report.objects, findings: report.findings.length, waived: report.waived.length },
    findings: report.findings,
    waived: report.waived,
  }, null, 2)}\n`;
}
