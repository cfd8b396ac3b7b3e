import { InputError } from '../core/errors';

/** Values a gate query template may refer to as `{name}`. */
export interface QueryValues {
  /** `{service}`: the service name. */
  readonly service: string;
  /** `{version}`: the version of the service under test. */
  readonly version: string;
  /** `{namespace}`: the namespace; a template that uses it needs one. */
  readonly namespace?: string;
  /** `{window}`: a Prometheus duration, such as `5m`, substituted as is. */
  readonly window: string;
  /** `{quantile}`: a number from 0 to 1, substituted as is. */
  readonly quantile: number;
  /**
   * The label names `{selector}` matches the service, version and namespace with.
   * @default SELECTOR_LABELS
   */
  readonly labels?: SelectorLabels;
}

/** The label names of the service, the version and the namespace in the metrics a selector matches. */
export interface SelectorLabels {
  /** Label of the service name, e.g. `app`. */
  readonly service: string;
  /** Label of the version, e.g. `version`. */
  readonly version: string;
  /** Label of the namespace, e.g. `namespace`. */
  readonly namespace: string;
}

/** The placeholders a query template may use. */
export const PLACEHOLDERS = ['service', 'version', 'namespace', 'window', 'quantile', 'selector'] as const;

/** Label names of the series the `{selector}` placeholder matches (the pod labels a Kubernetes scrape job copies, plus its namespace label). */
export const SELECTOR_LABELS: SelectorLabels = { service: 'app', version: 'version', namespace: 'namespace' };

/**
 * The same in Istio's standard metrics (`istio_requests_total`, ...): the destination
 * workload's `app` and `version` pod labels as the proxy reports them, and its namespace.
 */
export const ISTIO_SELECTOR_LABELS: SelectorLabels = { service: 'destination_app', version: 'destination_version', namespace: 'destination_workload_namespace' };

/**
 * The content of a PromQL double-quoted string holding `value`: backslash, double quote and
 * control characters escaped (PromQL strings take Go's escapes, a subset of JSON's).
 */
export function escapeLabelValue(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

/**
 * The label matchers of one version of a service, without braces:
 * `app="NAME",version="V"` and `,namespace="NS"` when a namespace is given (with the label
 * names of `values.labels`, {@link SELECTOR_LABELS} by default).
 */
export function selector(values: Pick<QueryValues, 'service' | 'version' | 'namespace' | 'labels'>): string {
  const labels = values.labels ?? SELECTOR_LABELS;
  const matchers = [`${labels.service}="${escapeLabelValue(values.service)}"`, `${labels.version}="${escapeLabelValue(values.version)}"`];
  if (values.namespace !== undefined) matchers.push(`${labels.namespace}="${escapeLabelValue(values.namespace)}"`);
  return matchers.join(',');
}

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Check a query template: every `{name}` is a known placeholder, and `{namespace}` is used only
 * when a namespace is given. Returns the template; throws an {@link InputError} naming `field`.
 */
export function checkQueryTemplate(field: string, template: string, hasNamespace: boolean): string {
  if (template.trim() === '') throw new InputError(`${field}: ${JSON.stringify(template)} must be a PromQL query`);
  for (const [, name] of template.matchAll(PLACEHOLDER)) {
    if (!(PLACEHOLDERS as readonly string[]).includes(name)) {
      throw new InputError(`${field}: unknown placeholder {${name}} in ${JSON.stringify(template)} (allowed: ${PLACEHOLDERS.map(p => `{${p}}`).join(', ')})`);
    }
    if (name === 'namespace' && !hasNamespace) {
      throw new InputError(`${field}: ${JSON.stringify(template)} uses {namespace} but no namespace was given`);
    }
  }
  return template;
}

/**
 * A query from its template: `{service}`, `{version}` and `{namespace}` become escaped label
 * values (for use inside double quotes: `app="{service}"`), `{selector}` the matchers of
 * {@link selector}, `{window}` and `{quantile}` their text. Check the template first with
 * {@link checkQueryTemplate}.
 */
export function renderQuery(template: string, values: QueryValues): string {
  return template.replace(PLACEHOLDER, (all, name: string) => {
    switch (name) {
      case 'service': return escapeLabelValue(values.service);
      case 'version': return escapeLabelValue(values.version);
      case 'namespace': return escapeLabelValue(values.namespace ?? '');
      case 'window': return values.window;
      case 'quantile': return String(values.quantile);
      case 'selector': return selector(values);
      default: return all;
    }
  });
}
