/**
 * Every check `validate` runs: a stable id, its category and a one-line rationale. The ids
 * are part of the public contract (waiver annotations and CI filters name them): never
 * rename one, add a new id instead.
 */
export interface Rule {
  /** Stable id, e.g. `PSS-PRIVILEGED`. */
  readonly id: string;
  /** Which layer of checks the rule belongs to. */
  readonly category: 'schema' | 'cross-reference' | 'pod-security' | 'policy' | 'waiver';
  /** One line: what the rule requires and why. */
  readonly rationale: string;
}

const rules = [
  // Schema
  { id: 'SCHEMA-UNKNOWN-KIND', category: 'schema', rationale: 'An object whose apiVersion/kind has no known schema (Kubernetes at the version validated against, Istio v1, Argo CD v1alpha1, a JSON schema from a schema location) cannot be checked and would likely be rejected by the cluster.' },
  { id: 'SCHEMA-INVALID', category: 'schema', rationale: 'A wrong type, enum value, format or missing required field is rejected by the API server and breaks the whole Argo CD sync.' },
  { id: 'SCHEMA-UNKNOWN-FIELD', category: 'schema', rationale: 'An unknown or misspelt field is silently dropped by the API server, so the setting you wrote never takes effect (kubeconform -strict).' },

  // Cross-references: workloads and Services
  { id: 'XREF-WORKLOAD-SELECTOR', category: 'cross-reference', rationale: 'A workload whose selector does not match its own pod template labels is rejected, or adopts pods it does not own.' },
  { id: 'XREF-SERVICE-SELECTOR', category: 'cross-reference', rationale: 'A Service whose selector matches no pod template has no endpoints: every request to it fails.' },
  { id: 'XREF-SERVICE-TARGETPORT', category: 'cross-reference', rationale: 'A named targetPort that no selected container declares leaves the Service without endpoints for that port.' },
  { id: 'XREF-SERVICEACCOUNT', category: 'cross-reference', rationale: 'A pod naming a ServiceAccount that does not exist is never created (the ReplicaSet keeps failing).' },
  { id: 'XREF-CONFIGMAP', category: 'cross-reference', rationale: 'A non-optional reference to a missing ConfigMap (or key) keeps the pod in ContainerCreating/CreateContainerConfigError.' },
  { id: 'XREF-SECRET', category: 'cross-reference', rationale: 'A non-optional reference to a missing Secret (or key) keeps the pod from starting.' },

  // Cross-references: Istio
  { id: 'XREF-DR-HOST', category: 'cross-reference', rationale: 'A DestinationRule whose host is not a Service (or ServiceEntry) in scope configures nothing: its traffic policy and subsets are ignored.' },
  { id: 'XREF-DR-SUBSET', category: 'cross-reference', rationale: 'A subset that selects no pod template has no endpoints: traffic routed to it fails with 503.' },
  { id: 'XREF-VS-HOST', category: 'cross-reference', rationale: 'A route to a destination host that is no Service (or ServiceEntry) in scope fails with 503. Mirrors (`mirror`, `mirrors[].destination`) are checked like routes: a mirror that reaches nothing silently drops the copies.' },
  { id: 'XREF-VS-PORT', category: 'cross-reference', rationale: 'A destination port must be given when the Service has several ports, and must be one of its ports, or Istio cannot route (routes and mirrors).' },
  { id: 'XREF-VS-SUBSET', category: 'cross-reference', rationale: 'A route or mirror to a subset no DestinationRule defines for that host fails with 503 (NR: no route).' },
  { id: 'XREF-VS-GATEWAY', category: 'cross-reference', rationale: 'A VirtualService bound to a Gateway that does not exist is never served at the edge.' },
  { id: 'XREF-VS-GATEWAY-HOST', category: 'cross-reference', rationale: 'A VirtualService host outside its Gateway\'s hosts is ignored by that Gateway.' },
  { id: 'XREF-VS-WEIGHTS', category: 'cross-reference', rationale: 'Route weights must sum to 100, or Istio rejects or silently renormalises the traffic split.' },
  { id: 'XREF-VS-CANARY', category: 'cross-reference', rationale: 'The newest version of a split at weight 0 (a canary released with `release --canary`) gets requests only from routes that match a header or cookie; without such a route it is unreachable: nobody can try it and the metrics gate has no data to judge it by.' },
  { id: 'XREF-VS-UNREACHABLE', category: 'cross-reference', rationale: 'A rule after a catch-all rule (no match, or prefix "/") can never match: its routing is dead configuration.' },
  { id: 'XREF-VS-DUPLICATE', category: 'cross-reference', rationale: 'A match identical to an earlier rule\'s can never be reached: only the first one routes.' },
  { id: 'XREF-AUTHZ-PRINCIPAL', category: 'cross-reference', rationale: 'An AuthorizationPolicy principal naming a ServiceAccount that does not exist in that namespace never matches, so the intended caller is denied (e.g. ns/demo vs demo-dev).' },

  // Cross-references: metrics (Prometheus Operator)
  { id: 'XREF-SERVICEMONITOR-TARGET', category: 'cross-reference', rationale: 'A ServiceMonitor that selects no Service, names a port its pods do not have, or scrapes Istio\'s merged-metrics port (15020) of pods that have no sidecar, turn merging off or lack the prometheus.io annotations, scrapes nothing or not the app\'s metrics, and nobody notices until a dashboard is empty.' },
  { id: 'XREF-SERVICEMONITOR-MTLS', category: 'cross-reference', rationale: 'Under STRICT mutual TLS (namespace-wide, workload-selected or port-level PeerAuthentication) the sidecar refuses a scrape in plain text or without an Istio client certificate; scrape Istio\'s merged metrics on port 15020, use Istio certificates (with insecureSkipVerify, as the certificates name no host), or give a separate metrics port a PERMISSIVE exception.' },
  { id: 'XREF-SERVICEMONITOR-AUTHZ', category: 'cross-reference', rationale: 'With ALLOW AuthorizationPolicies on the scraped pods (a namespace default-deny), a scrape of an intercepted port that no rule admits (GET, path, port, and no identity for a plain-text scrape) is refused with 403; port 15020 is not subject to authorization.' },

  // Cross-references: Argo CD
  { id: 'XREF-APP-PATH', category: 'cross-reference', rationale: 'An Application (or one an ApplicationSet generates) whose source path holds no manifests syncs nothing (and with prune, deletes everything it deployed); an ApplicationSet directory pattern that matches no folder generates nothing.' },
  { id: 'XREF-APP-DESTINATION', category: 'cross-reference', rationale: 'An Application (or one an ApplicationSet generates) whose AppProject is missing or does not allow its destination is refused by Argo CD.' },
  { id: 'XREF-APP-SOURCE', category: 'cross-reference', rationale: 'An Application (or one an ApplicationSet generates) whose source repository is not among its AppProject\'s sourceRepos is refused by Argo CD ("application repo is not permitted in project").' },

  // Pod Security Standards "restricted"
  { id: 'PSS-HOST-NAMESPACES', category: 'pod-security', rationale: 'hostNetwork, hostPID and hostIPC break pod isolation (PSS baseline).' },
  { id: 'PSS-HOST-PROCESS', category: 'pod-security', rationale: 'Windows HostProcess containers run with host privileges (PSS baseline).' },
  { id: 'PSS-PRIVILEGED', category: 'pod-security', rationale: 'A privileged container has every device and capability of the node (PSS baseline).' },
  { id: 'PSS-CAPABILITIES', category: 'pod-security', rationale: 'Containers must drop ALL capabilities and may add back only NET_BIND_SERVICE (PSS restricted).' },
  { id: 'PSS-VOLUME-TYPES', category: 'pod-security', rationale: 'Only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret volumes are allowed; hostPath and others reach the node (PSS restricted).' },
  { id: 'PSS-HOST-PORT', category: 'pod-security', rationale: 'hostPort binds the node\'s network namespace and bypasses NetworkPolicy (PSS baseline).' },
  { id: 'PSS-APPARMOR', category: 'pod-security', rationale: 'AppArmor may not be disabled or set to a custom profile other than runtime/default or localhost/* (PSS baseline).' },
  { id: 'PSS-SELINUX', category: 'pod-security', rationale: 'SELinux type may only be container_t, container_init_t or container_kvm_t, and user/role may not be set (PSS baseline).' },
  { id: 'PSS-PROC-MOUNT', category: 'pod-security', rationale: 'An Unmasked /proc exposes host kernel information (PSS baseline).' },
  { id: 'PSS-SECCOMP', category: 'pod-security', rationale: 'Every container must run with seccomp RuntimeDefault or Localhost, set on the pod or on each container (PSS restricted).' },
  { id: 'PSS-SYSCTLS', category: 'pod-security', rationale: 'Only the namespaced "safe" sysctls may be set (PSS baseline).' },
  { id: 'PSS-PRIVILEGE-ESCALATION', category: 'pod-security', rationale: 'allowPrivilegeEscalation must be explicitly false on every container so setuid binaries cannot gain privileges (PSS restricted).' },
  { id: 'PSS-RUN-AS-NON-ROOT', category: 'pod-security', rationale: 'runAsNonRoot must be true, on the pod or on every container (PSS restricted).' },
  { id: 'PSS-RUN-AS-USER', category: 'pod-security', rationale: 'runAsUser may not be 0 (root) anywhere (PSS restricted).' },

  // Workload policy
  { id: 'POL-PROBES', category: 'policy', rationale: 'Long-running containers need liveness and readiness probes, or traffic reaches pods that are not ready and hung pods are never restarted.' },
  { id: 'POL-PROBES-IDENTICAL', category: 'policy', rationale: 'Identical liveness and readiness probes restart pods exactly when they should only be taken out of rotation.' },
  { id: 'POL-RESOURCES', category: 'policy', rationale: 'Every container needs cpu and memory requests (for scheduling) and a memory limit (to contain leaks).' },
  { id: 'POL-IMAGE-TAG', category: 'policy', rationale: 'An image without a tag or with "latest" is not reproducible and cannot be rolled back; pin a tag or digest.' },
  { id: 'POL-RUN-AS-IDS', category: 'policy', rationale: 'UID and GID must be set, >= 10000 (no clash with host users) and not 1337 (the Istio sidecar\'s UID, whose traffic bypasses the mesh).' },
  { id: 'POL-AUTOMOUNT-TOKEN', category: 'policy', rationale: 'Pods must not mount a ServiceAccount token they do not need (automountServiceAccountToken: false).' },
  { id: 'POL-SERVICE-PORT-NAME', category: 'policy', rationale: 'Istio picks the protocol from the port name (<protocol>[-<suffix>]) or appProtocol; otherwise traffic is treated as opaque TCP and HTTP routing is lost.' },
  { id: 'POL-APPPROJECT-WILDCARD', category: 'policy', rationale: 'An AppProject with "*" in sourceRepos or destinations lets any repository deploy anywhere: list them.' },
  { id: 'POL-APPPROJECT-CLUSTER-WILDCARD', category: 'policy', rationale: 'A "*" clusterResourceWhitelist lets the project create any cluster-scoped resource (ClusterRoles, CRDs, webhooks).' },
  { id: 'POL-GATEWAY-WILDCARD-PROD', category: 'policy', rationale: 'A "*" Gateway host in prod accepts traffic for any host name; name the hosts.' },
  { id: 'POL-SECRET-DATA', category: 'policy', rationale: 'A Secret with data or stringData in the GitOps output commits its values to Git (base64 is no encryption); have an ExternalSecret (External Secrets Operator) write it at runtime, or waive it for values that are not secret.' },
  { id: 'POL-SECRET-ENV-LITERAL', category: 'policy', rationale: 'An env var named like *SECRET*, *TOKEN*, *PASSWORD* must come from a Secret, not a literal value committed to Git.' },

  // Waivers
  { id: 'WAIVER-INVALID', category: 'waiver', rationale: 'A waiver must name an existing rule and state a non-empty reason, so every accepted risk is explained.' },
] as const satisfies readonly Rule[];

/** Id of a rule. */
export type RuleId = typeof rules[number]['id'];

/** Every rule, in documentation order. */
export const RULES: readonly Rule[] = Object.freeze(rules.map(r => Object.freeze({ ...r })));

const byId = new Map<string, Rule>(RULES.map(r => [r.id, r]));

/** The rule with id `id`, if any. */
export function ruleById(id: string): Rule | undefined {
  return byId.get(id);
}
