/**
 * The validation report as SARIF 2.1.0 (Static Analysis Results Interchange Format), for code
 * scanning in CI (GitHub `upload-sarif`, GitLab, Azure DevOps): one run, the tool with every
 * rule of `RULES`, one result per finding (waived findings carry a suppression with the
 * waiver's reason).
 */
import { pathToFileURL } from 'url';
import { packageInfo } from '../core/package-info';
import { Finding, isFileFinding, WaivedFinding } from './finding';
import { ValidationReport } from './report';
import { RULES } from './rules';

/** The SARIF version written. */
export const SARIF_VERSION = '2.1.0';
const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

/** Options of {@link formatSarif}. */
export interface SarifOptions {
  /**
   * The folder the findings' file paths are relative to: recorded as the base of every
   * artifact URI (`originalUriBaseIds.VALIDATED`).
   * @default - URIs without a base (relative to where the report is read)
   */
  readonly baseDir?: string;
  /**
   * The line of a finding in its file (1-based), for the result's region.
   * @default - results without a region
   */
  readonly line?: (finding: Finding) => number | undefined;
}

/** The report as a SARIF 2.1.0 log (JSON text, one run). */
export function formatSarif(report: ValidationReport, options: SarifOptions = {}): string {
  const pkg = packageInfo();
  const ruleIndex = new Map(RULES.map((r, i) => [r.id, i]));
  const result = (f: Finding, waived?: WaivedFinding) => {
    const line = options.line?.(f);
    const index = ruleIndex.get(f.rule);
    return {
      ruleId: f.rule,
      ...(index !== undefined ? { ruleIndex: index } : {}),
      level: 'error',
      message: { text: isFileFinding(f) ? f.message : `${f.kind}/${f.name}: ${f.field ? `${f.field}: ` : ''}${f.message}` },
      locations: [{
        physicalLocation: {
          artifactLocation: { uri: fileUri(f.file), ...(options.baseDir !== undefined ? { uriBaseId: 'VALIDATED' } : {}) },
          ...(line !== undefined ? { region: { startLine: line } } : {}),
        },
        ...(isFileFinding(f) ? {} : {
          logicalLocations: [{
            name: f.name,
            fullyQualifiedName: `${f.namespace !== undefined ? `${f.namespace}/` : ''}${f.kind}/${f.name}${f.field ? `:${f.field}` : ''}`,
            kind: 'object',
          }],
        }),
      }],
      ...(waived !== undefined ? { suppressions: [{ kind: 'inSource', justification: waived.reason }] } : {}),
    };
  };
  const log = {
    $schema: SARIF_SCHEMA,
    version: SARIF_VERSION,
    runs: [{
      tool: {
        driver: {
          name: pkg.name,
          version: pkg.version,
          semanticVersion: pkg.version,
          informationUri: pkg.homepage,
          rules: RULES.map(r => ({
            id: r.id,
            shortDescription: { text: firstSentence(r.rationale) },
            fullDescription: { text: r.rationale },
            defaultConfiguration: { level: 'error' },
            properties: { category: r.category, tags: [r.category] },
          })),
        },
      },
      ...(options.baseDir !== undefined ? { originalUriBaseIds: { VALIDATED: { uri: `${pathToFileURL(options.baseDir).href.replace(/\/?$/, '/')}` } } } : {}),
      results: [...report.findings.map(f => result(f)), ...report.waived.map(w => result(w, w))],
    }],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

/** A relative path as a URI reference: each segment percent-encoded (`<stdin>#2` -> `%3Cstdin%3E%232`). */
function fileUri(file: string): string {
  return file.split('/').map(encodeURIComponent).join('/');
}

function firstSentence(text: string): string {
  const m = /^.*?\.(?=\s+[A-Z]|$)/.exec(text); // not at "e.g. ns"
  return m ? m[0] : text;
}
