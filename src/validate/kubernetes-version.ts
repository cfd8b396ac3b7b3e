import { FIELDS_NOT_IN_1_28, FIELDS_ONLY_IN_1_28, KUBERNETES_1_28_KINDS } from './kubernetes-1.28';
import { KubernetesVersionData } from './kubernetes-versions/data';
import { KUBERNETES_1_33 } from './kubernetes-versions/kubernetes-1.33';
import { KUBERNETES_1_34 } from './kubernetes-versions/kubernetes-1.34';
import { KUBERNETES_1_36 } from './kubernetes-versions/kubernetes-1.36';
import { StrictOptions } from './strict';

const KUBERNETES_1_28: KubernetesVersionData = {
  version: '1.28',
  source: 'the official Kubernetes v1.28.0 OpenAPI definitions',
  kinds: [...KUBERNETES_1_28_KINDS],
  absentFields: FIELDS_NOT_IN_1_28,
  extraFields: FIELDS_ONLY_IN_1_28,
};

const DATA: Readonly<Record<string, KubernetesVersionData>> = {
  '1.28': KUBERNETES_1_28,
  '1.33': KUBERNETES_1_33,
  '1.34': KUBERNETES_1_34,
  '1.36': KUBERNETES_1_36,
};

/**
 * The Kubernetes minors validate knows, oldest first. 1.35 is missing: no npm package ships its
 * API definitions (`@kubernetes/client-node` went from 1.34 to 1.36); validate a 1.35 cluster's
 * manifests as 1.34 (stricter) or 1.36.
 */
export const KUBERNETES_VERSIONS: readonly string[] = Object.freeze(Object.keys(DATA));

/**
 * The minor validate and synth check against by default: 1.33, the oldest release the
 * Kubernetes project still supports (December 2026), so what passes is served by every
 * supported cluster.
 */
export const DEFAULT_KUBERNETES_VERSION = '1.33';

/** A Kubernetes minor to validate against. */
export interface KubernetesTarget {
  /** The minor, e.g. `1.33`. */
  readonly version: string;
  /** For messages: `Kubernetes 1.33`. */
  readonly name: string;
  /** `apiVersion kind` of every kind it serves. */
  readonly kinds: ReadonlySet<string>;
  /** The strict options of its kinds (fields it lacks or adds). */
  readonly options: StrictOptions;
}

const targets = new Map<string, KubernetesTarget>();

/**
 * The target of a minor: `1.33`, `v1.33` or a patch release (`1.33.4`, read as its minor).
 *
 * @throws Error naming the value and the minors known, for any other value
 */
export function kubernetesTarget(version: string = DEFAULT_KUBERNETES_VERSION): KubernetesTarget {
  const m = /^v?(1\.[0-9]+)(?:\.[0-9]+)?$/.exec(String(version).trim());
  const data = m ? DATA[m[1]] : undefined;
  if (!data) throw new Error(unknownVersion(version));
  let target = targets.get(data.version);
  if (!target) {
    const name = `Kubernetes ${data.version}`;
    target = { version: data.version, name, kinds: new Set(data.kinds), options: { absentFields: data.absentFields, extraFields: data.extraFields, target: name } };
    targets.set(data.version, target);
  }
  return target;
}

function unknownVersion(version: unknown): string {
  const hint = /^v?1\.35(\.[0-9]+)?$/.test(String(version).trim()) ? ' (1.35: no package ships its API definitions; use 1.34, which is stricter, or 1.36)' : '';
  return `Kubernetes version ${JSON.stringify(version)} is not known${hint}: use one of ${KUBERNETES_VERSIONS.join(', ')} (default ${DEFAULT_KUBERNETES_VERSION})`;
}
