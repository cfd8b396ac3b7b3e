import type { Document, LineCounter } from 'yaml';
import { yamlModule } from '../core/yaml-module';
import { Finding, isFileFinding } from './finding';

/** The YAML a finding's file holds, and which document of it when the file is a stream. */
export interface FindingSource {
  readonly text: string;
  /** 0-based index of the finding's document; undefined: the document holding the finding's object. */
  readonly document?: number;
}

/**
 * Line numbers of findings in their YAML files, for reports that point at a line (SARIF): the
 * line of the finding's field, or of its nearest parent that exists (a missing field points
 * at the mapping that lacks it). Files are parsed again, once each, only when asked.
 */
export class FindingLocator {
  private readonly parsed = new Map<string, { docs: Document.Parsed[]; lines: LineCounter }>();

  /** @param source the text of a finding's file, undefined when it cannot be read */
  constructor(private readonly source: (file: string) => FindingSource | undefined) {}

  /** The 1-based line of `finding`'s field, or undefined when the file or object is not found. */
  public line(finding: Finding): number | undefined {
    if (isFileFinding(finding)) return undefined; // the file could not be read as YAML
    const src = this.source(finding.file);
    if (src === undefined) return undefined;
    const { docs, lines } = this.parse(src.text);
    const doc = src.document !== undefined ? docs[src.document] : docs.find(d => {
      const o = d.toJS({ maxAliasCount: 100 });
      return o?.kind === finding.kind && (o?.metadata?.name ?? '') === finding.name;
    });
    if (doc === undefined) return undefined;
    const keys = fieldKeys(finding.field);
    if (keys === undefined) return undefined;
    const { isMap, isPair, isScalar } = yamlModule();
    for (let n = keys.length; n >= 0; n--) {
      const node = doc.getIn(keys.slice(0, n), true) as any;
      if (node === undefined || node === null) continue;
      const parent = n > 0 ? doc.getIn(keys.slice(0, n - 1), true) : undefined;
      // a map entry: the line of its key
      const pair = isMap(parent) ? parent.items.find(p => isPair(p) && isScalar(p.key) && p.key.value === keys[n - 1]) : undefined;
      const range = (pair?.key as any)?.range ?? node.range;
      if (range) return lines.linePos(range[0]).line;
    }
    return undefined;
  }

  private parse(text: string): { docs: Document.Parsed[]; lines: LineCounter } {
    let entry = this.parsed.get(text);
    if (entry === undefined) {
      const YAML = yamlModule();
      const lines = new YAML.LineCounter();
      const docs = YAML.parseAllDocuments(text, { lineCounter: lines });
      entry = { docs: Array.isArray(docs) ? docs : [], lines };
      this.parsed.set(text, entry);
    }
    return entry;
  }
}

/**
 * The keys of a field path as `fieldPath` writes it (`spec.ports[0].name`,
 * `metadata.annotations["a/b"]`), or undefined when it is not one.
 */
export function fieldKeys(field: string): Array<string | number> | undefined {
  const keys: Array<string | number> = [];
  const re = /(?:^|\.)([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/y;
  while (re.lastIndex < field.length) {
    const m = re.exec(field);
    if (m === null) return undefined;
    keys.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : JSON.parse(m[3])));
  }
  return keys;
}
