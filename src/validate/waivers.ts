import { Finding, finding, fieldPath, ObjectRef, WaivedFinding } from './finding';
import { Inventory, isObject } from './inventory';
import { ruleById } from './rules';

/**
 * Prefix of the waiver annotation: `cdk8s-gitops.io/waive.<RULE-ID>: "<reason>"` on an
 * object's own metadata waives that rule's findings on that object (for a workload, on the
 * workload's metadata, not its pod template's). The reason must not be empty.
 */
export const WAIVER_ANNOTATION_PREFIX = 'cdk8s-gitops.io/waive.';

/** The annotation key that waives `rule`. */
export function waiverAnnotation(rule: string): string {
  return `${WAIVER_ANNOTATION_PREFIX}${rule}`;
}

/** Rule id -> reason, of one object's valid waivers. */
export type Waivers = ReadonlyMap<string, string>;

/** The valid waivers of `ref`, and WAIVER-INVALID findings for malformed ones. */
export function readWaivers(ref: ObjectRef): { waivers: Waivers; findings: Finding[] } {
  const waivers = new Map<string, string>();
  const findings: Finding[] = [];
  const annotations = ref.object.metadata?.annotations;
  if (!isObject(annotations)) return { waivers, findings };
  for (const [key, value] of Object.entries(annotations)) {
    if (!key.startsWith(WAIVER_ANNOTATION_PREFIX)) continue;
    const rule = key.slice(WAIVER_ANNOTATION_PREFIX.length);
    const field = fieldPath('metadata', 'annotations', key);
    if (!ruleById(rule) || rule === 'WAIVER-INVALID' || rule === 'INPUT-UNREADABLE') {
      findings.push(finding(ref, 'WAIVER-INVALID', field, `waiver names ${JSON.stringify(rule)}, which is not a waivable rule id`));
    } else if (typeof value !== 'string' || value.trim() === '') {
      findings.push(finding(ref, 'WAIVER-INVALID', field, `waiver of ${rule} states no reason: write why the risk is accepted`));
    } else {
      waivers.set(rule, value.trim());
    }
  }
  return { waivers, findings };
}

/**
 * Split `findings` into those that stand and those a waiver accepts, and add a WAIVER-INVALID
 * finding for every malformed waiver.
 */
export function applyWaivers(inventory: Inventory, findings: readonly Finding[]): { findings: Finding[]; waived: WaivedFinding[] } {
  const byObject = new Map<string, Waivers>();
  const out: Finding[] = [];
  for (const ref of inventory.objects) {
    const { waivers, findings: invalid } = readWaivers(ref);
    byObject.set(objectKey(ref.manifest.path, ref.kind, ref.name, ref.namespace), waivers);
    out.push(...invalid);
  }
  const waived: WaivedFinding[] = [];
  for (const f of findings) {
    const reason = byObject.get(objectKey(f.file, f.kind, f.name, f.namespace))?.get(f.rule);
    if (reason !== undefined) waived.push({ ...f, reason });
    else out.push(f);
  }
  return { findings: out, waived };
}

function objectKey(file: string, kind: string, name: string, namespace: string | undefined): string {
  return [file, kind, name, namespace ?? ''].join('\u0000');
}
