/**
 * The validation report as JUnit XML, for CI test reports (GitLab `artifacts:reports:junit`,
 * Jenkins, Azure DevOps): a testsuite per file, a testcase per object checked, a failure on
 * each object with findings (every finding in its text); waived findings are listed in the
 * testcase's system-out.
 */
import { Manifest } from '../core/manifest';
import { Finding, WaivedFinding } from './finding';
import { Inventory } from './inventory';
import { formatFinding, ValidationReport } from './report';

/** One object checked: a testcase. */
interface TestCase {
  readonly file: string;
  /** `Kind/name (namespace)`. */
  readonly name: string;
  readonly findings: Finding[];
  readonly waived: WaivedFinding[];
}

/**
 * The report as JUnit XML. `manifests` are the ones validated (the report counts objects; the
 * testcases name them).
 */
export function formatJunit(report: ValidationReport, manifests: readonly Manifest[]): string {
  const key = (file: string, kind: string, name: string, namespace: string | undefined) => `${file}\0${kind}\0${name}\0${namespace ?? ''}`;
  const cases = new Map<string, TestCase>();
  const testcase = (file: string, kind: string, name: string, namespace: string | undefined) => {
    const k = key(file, kind, name, namespace);
    let c = cases.get(k);
    // a finding on the file as a whole (INPUT-UNREADABLE) is a testcase of its own, named "(file)"
    const label = kind === '' && name === '' ? '(file)' : `${kind}/${name}${namespace !== undefined ? ` (${namespace})` : ''}`;
    if (c === undefined) cases.set(k, c = { file, name: label, findings: [], waived: [] });
    return c;
  };
  for (const o of new Inventory(manifests).objects) testcase(o.manifest.path, o.kind, o.name, o.namespace);
  for (const f of report.findings) testcase(f.file, f.kind, f.name, f.namespace).findings.push(f);
  for (const w of report.waived) testcase(w.file, w.kind, w.name, w.namespace).waived.push(w);

  const byFile = new Map<string, TestCase[]>();
  for (const c of cases.values()) {
    if (!byFile.has(c.file)) byFile.set(c.file, []);
    byFile.get(c.file)!.push(c);
  }
  const failed = (cs: readonly TestCase[]) => cs.filter(c => c.findings.length > 0).length;
  const all = [...cases.values()];
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="cdk8s-gitops validate" tests="${all.length}" failures="${failed(all)}" errors="0" skipped="0">`,
  ];
  for (const [file, cs] of byFile) {
    out.push(`  <testsuite name="${attr(file)}" tests="${cs.length}" failures="${failed(cs)}" errors="0" skipped="0">`);
    for (const c of cs) {
      const open = `    <testcase classname="${attr(file)}" name="${attr(c.name)}" file="${attr(file)}"`;
      if (c.findings.length === 0 && c.waived.length === 0) {
        out.push(`${open}/>`);
        continue;
      }
      out.push(`${open}>`);
      if (c.findings.length > 0) {
        const first = c.findings[0];
        const message = c.findings.length === 1 ? `${first.rule}: ${first.field ? `${first.field}: ` : ''}${first.message}` : `${c.findings.length} findings: ${[...new Set(c.findings.map(f => f.rule))].join(', ')}`;
        out.push(`      <failure message="${attr(message)}" type="${attr(first.rule)}">${xml(c.findings.map(formatFinding).join('\n'))}</failure>`);
      }
      if (c.waived.length > 0) {
        out.push(`      <system-out>${xml(c.waived.map(w => `waived: ${formatFinding(w)} (reason: ${JSON.stringify(w.reason)})`).join('\n'))}</system-out>`);
      }
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}

/**
 * Text as XML character data: markup characters escaped, characters XML
 * 1.0 cannot hold (control characters, lone surrogates) replaced with U+FFFD.
 */
export function xml(text: string): string {
  return text
    .replace(/[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;')
    .replace(/\r/g, '&#13;');
}

/** Text as an XML attribute value: {@link xml}, and whitespace kept (a parser would fold tabs and newlines into spaces). */
function attr(text: string): string {
  return xml(text).replace(/\t/g, '&#9;').replace(/\n/g, '&#10;');
}
