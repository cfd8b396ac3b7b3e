import type { IPrometheusRuleSpec } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRuleSpec';
import type { IRuleGroup } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/RuleGroup';
import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { ConfigError } from '../core/errors';
import { formatPrometheusDuration, wholeMilliseconds } from '../core/duration';
import { ManifestObject } from '../core/manifest-object';
import { checkServiceBeside, IMeshService } from '../mesh/mesh-service';
import { checkDnsSubdomain, checkLabelKey, checkLabelValue } from '../core/names';
import { SloMetrics } from './slo-metrics';

const SLO = Symbol.for('cdk8s-gitops.ServiceLevelObjective');

/** A latency objective: the share of requests answered within a threshold. */
export interface LatencyObjective {
  /** The threshold; it must be a bucket bound of the request-duration histogram. */
  readonly threshold: Duration;
  /** Percentage of requests answered within {@link threshold} (99 = "p99 below the threshold"). */
  readonly target: number;
}

/** Props of a {@link ServiceLevelObjective}. */
export interface ServiceLevelObjectiveProps {
  /** The service the objectives are about (a `WebService`, or any {@link IMeshService} in the chart's namespace). */
  readonly service: IMeshService;
  /**
   * Percentage of requests not answered with a 5xx status (99.9 = "99.9 % non-5xx").
   * @default - no availability objective
   */
  readonly availability?: number;
  /**
   * Latency objective.
   * @default - no latency objective
   */
  readonly latency?: LatencyObjective;
  /**
   * The compliance period the error budget is spent over.
   * @default Duration.days(30)
   */
  readonly window?: Duration;
  /**
   * The series the objectives are computed from.
   * @default SloMetrics.app()
   */
  readonly metrics?: SloMetrics;
  /**
   * Name of the PrometheusRule (DNS-1123 subdomain).
   * @default '<service>-slo'
   */
  readonly name?: string;
  /**
   * Labels of the PrometheusRule: those the Prometheus resource's `ruleSelector` selects on
   * (kube-prometheus-stack: `release: <its Helm release>`).
   * @default - none
   */
  readonly labels?: Record<string, string>;
}

/** One objective as the gate and the rules read it. */
export interface ObjectiveSpec {
  /** `availability` or `latency`. */
  readonly kind: 'availability' | 'latency';
  /** The `slo` label of its recorded series and alerts (`<service>-availability`). */
  readonly slo: string;
  /** Target as a ratio (0.999). */
  readonly target: number;
  /** Latency threshold in milliseconds (latency objectives only). */
  readonly thresholdMs?: number;
}

/**
 * A multiwindow, multi-burn-rate alert: fires when the error budget burns `factor` times
 * faster than the window allows, over both the long and the short window.
 */
interface BurnAlert {
  readonly severity: 'page' | 'ticket';
  /** Share of the whole budget spent over the long window that the alert stands for. */
  readonly budgetShare: number;
  readonly long: Duration;
  readonly short: Duration;
}

/**
 * The SRE workbook's alerting windows (chapter 5, table 5-8; Sloth's defaults): page on 2 % of
 * the budget spent in 1h (5m confirming) or 5 % in 6h (30m); ticket on 10 % in 1d (2h) or 10 %
 * in 3d (6h). With a 30-day window the burn factors are 14.4, 6, 3 and 1.
 */
const BURN_ALERTS: readonly BurnAlert[] = Object.freeze([
  { severity: 'page', budgetShare: 0.02, long: Duration.hours(1), short: Duration.minutes(5) },
  { severity: 'page', budgetShare: 0.05, long: Duration.hours(6), short: Duration.minutes(30) },
  { severity: 'ticket', budgetShare: 0.10, long: Duration.days(1), short: Duration.hours(2) },
  { severity: 'ticket', budgetShare: 0.10, long: Duration.days(3), short: Duration.hours(6) },
]);

/** Name of the recorded error ratio of one window: `slo:sli_error:ratio_rate5m`. */
export function errorRatioRecord(window: string): string {
  return `slo:sli_error:ratio_rate${window}`;
}

/** Alert name of a severity: `SloErrorBudgetBurnPage`, `SloErrorBudgetBurnTicket`. */
export function burnAlertName(severity: 'page' | 'ticket'): string {
  return severity === 'page' ? 'SloErrorBudgetBurnPage' : 'SloErrorBudgetBurnTicket';
}

/**
 * Service-level objectives as code: availability (share of non-5xx answers) and latency
 * (share of requests within a threshold) of a service over a compliance window, rendered as
 * one Prometheus Operator `PrometheusRule`:
 *
 * - recording rules `slo:sli_error:ratio_rate<w>` (5m, 30m, 1h, 2h, 6h, 1d, 3d) of each
 *   objective, per version (labels `slo`, `slo_kind`, and the metrics' namespace, service and
 *   version labels);
 * - multiwindow, multi-burn-rate alerts (the SRE workbook's pairs): `SloErrorBudgetBurnPage`
 *   (`severity: page`) on a fast burn, `SloErrorBudgetBurnTicket` (`severity: ticket`) on a
 *   slow one, per version, so a canary burning its budget pages on its own.
 *
 * The canary gate reads the same objective (`gate --slo`, `shift --gate slo,...`): the largest
 * error ratio that passes is `1 - availability`, the latency check the threshold at the target.
 */
export class ServiceLevelObjective extends Construct {
  /** Whether `x` is a ServiceLevelObjective (of any copy of this library). */
  public static isServiceLevelObjective(x: unknown): x is ServiceLevelObjective {
    return x !== null && typeof x === 'object' && SLO in (x as object);
  }

  /** Name of the PrometheusRule. */
  public readonly name: string;
  /** The service. */
  public readonly service: IMeshService;
  /** The series it reads. */
  public readonly metrics: SloMetrics;
  /** The compliance window. */
  public readonly window: Duration;
  private readonly _objectives: ObjectiveSpec[];

  constructor(scope: Construct, id: string, props: ServiceLevelObjectiveProps) {
    super(scope, id);
    Object.defineProperty(this, SLO, { value: true });
    const path = this.node.path;
    this.service = props.service;
    checkServiceBeside(this, this.service, 'objective');
    this.name = checkDnsSubdomain(path, 'name', props.name ?? `${this.service.name}-slo`);
    this.metrics = props.metrics ?? SloMetrics.app();
    this.window = props.window ?? Duration.days(30);
    const windowText = formatPrometheusDuration(path, 'window', this.window);
    if (this.window.toMilliseconds() < Duration.days(3).toMilliseconds()) {
      throw new ConfigError(path, 'window', windowText, 'must be at least 3d: the slowest alert reads 3 days');
    }
    this._objectives = [];
    if (props.availability !== undefined) {
      this._objectives.push({ kind: 'availability', slo: `${this.service.name}-availability`, target: checkTarget(path, 'availability', props.availability) });
    }
    if (props.latency !== undefined) {
      const thresholdMs = wholeMilliseconds(path, 'latency.threshold', props.latency.threshold);
      this._objectives.push({ kind: 'latency', slo: `${this.service.name}-latency`, target: checkTarget(path, 'latency.target', props.latency.target), thresholdMs });
    }
    if (this._objectives.length === 0) {
      throw new ConfigError(path, 'availability', undefined, 'nor latency is set: give at least one objective');
    }
    const labels = Object.entries(props.labels ?? {}).map(([k, v]) => [checkLabelKey(path, `labels.${k}`, k), checkLabelValue(path, `labels.${k}`, v)] as const);

    new ManifestObject(this, 'Resource', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: this.name, labels: labels.length > 0 ? Object.fromEntries(labels) : undefined },
      spec: { groups: this._objectives.map(o => this.ruleGroup(path, o)) } satisfies IPrometheusRuleSpec,
    });
  }

  /** The objectives, availability first. */
  public get objectives(): ObjectiveSpec[] {
    return this._objectives.map(o => ({ ...o }));
  }

  /** The availability objective, if any. */
  public get availability(): ObjectiveSpec | undefined {
    const o = this._objectives.find(x => x.kind === 'availability');
    return o && { ...o };
  }

  /** The latency objective, if any. */
  public get latency(): ObjectiveSpec | undefined {
    const o = this._objectives.find(x => x.kind === 'latency');
    return o && { ...o };
  }

  private ruleGroup(path: string, objective: ObjectiveSpec): IRuleGroup {
    const selector = this.metrics.selector(this.service.name, this.service.namespace);
    const budget = 1 - objective.target;
    const windows = new Map<string, Duration>();
    for (const a of BURN_ALERTS) {
      windows.set(formatPrometheusDuration(path, 'window', a.short), a.short);
      windows.set(formatPrometheusDuration(path, 'window', a.long), a.long);
    }
    const ordered = [...windows.entries()].sort((a, b) => a[1].toMilliseconds() - b[1].toMilliseconds()).map(([w]) => w);
    const recordLabels = { slo: objective.slo, slo_kind: objective.kind };
    const records = ordered.map(w => ({
      record: errorRatioRecord(w),
      expr: this.errorRatioExpr(selector, w, objective),
      labels: recordLabels,
    }));
    const windowMs = this.window.toMilliseconds();
    const alerts = (['page', 'ticket'] as const).map(severity => {
      const pairs = BURN_ALERTS.filter(a => a.severity === severity).map(a => {
        const factor = round(a.budgetShare * windowMs / a.long.toMilliseconds());
        const threshold = `(${factor} * ${round(budget)})`;
        const long = formatPrometheusDuration(path, 'window', a.long);
        const short = formatPrometheusDuration(path, 'window', a.short);
        const match = `{slo=${JSON.stringify(objective.slo)}}`;
        return `(${errorRatioRecord(long)}${match} > ${threshold} and ${errorRatioRecord(short)}${match} > ${threshold})`;
      });
      const what = objective.kind === 'availability'
        ? `${round(objective.target * 100)} % of requests answered without a 5xx`
        : `${round(objective.target * 100)} % of requests answered within ${objective.thresholdMs} ms`;
      return {
        alert: burnAlertName(severity),
        expr: pairs.join('\nor\n'),
        labels: { severity, slo: objective.slo, slo_kind: objective.kind },
        annotations: {
          summary: `${this.service.name} ({{ $labels.${this.metrics.versionLabel} }}) is burning its ${objective.kind} error budget ${severity === 'page' ? 'fast' : 'steadily'}`,
          description: `Objective: ${what} over ${formatPrometheusDuration(path, 'window', this.window)}. The error budget burns faster than the ${severity === 'page' ? 'paging' : 'ticket'} windows allow.`,
        },
      };
    });
    return { name: objective.slo, rules: [...records, ...alerts] };
  }

  private errorRatioExpr(selector: string, w: string, objective: ObjectiveSpec): string {
    const m = this.metrics;
    if (objective.kind === 'availability') {
      // no 5xx series at all is a ratio of 0, not no data
      return `(${m.errorRate(selector, w)} or 0 * ${m.requestRate(selector, w)})\n/\n${m.requestRate(selector, w)}`;
    }
    return `1 - (\n${m.fastRate(selector, w, objective.thresholdMs!)}\n/\n${m.durationCountRate(selector, w)}\n)`;
  }
}

function checkTarget(path: string, field: string, percent: number): number {
  if (typeof percent !== 'number' || !Number.isFinite(percent) || percent <= 0 || percent >= 100) {
    throw new ConfigError(path, field, percent, 'must be a percentage above 0 and below 100 (99.9 = 99.9 %)');
  }
  return round(percent / 100);
}

/** Round away binary noise (1 - 0.999 = 0.0010000000000000009). */
function round(n: number): number {
  return Number(n.toPrecision(12));
}
