import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { compareText } from '../core/compare';
import { Manifest } from '../core/manifest';
import { ReleaseState, RELEASE_FILE, renderRelease } from '../release/release';
import { RepositoryChart } from '../model/repository-chart';
import { emitYaml } from '../core/yaml-emitter';

/**
 * The layout of a GitOps repository rendered from a construct tree: each object of a
 * RepositoryChart (the nearest chart above it, as `Chart.of` finds it) is the file
 * `<chart path>/<kind>-<name>.yaml`; objects of a plain chart are not part of the repository.
 * Each environment's release state is `<environment>/release.yaml`.
 */

/** Options of {@link renderManifests}. */
export interface LayoutOptions {
  /**
   * Render only the charts whose folder (`dev/shop`, `argocd`) this returns true for.
   * @default - every chart
   */
  readonly folders?: (folder: string) => boolean;
  /**
   * Render only the objects whose file (`dev/shop/deployment-web.yaml`) this returns true for.
   * @default - every object of the rendered charts
   */
  readonly files?: (file: string) => boolean;
}

/** A repository chart and the objects it writes. */
interface ChartObjects {
  readonly chart: RepositoryChart;
  readonly objects: ApiObject[];
}

/**
 * One walk of the tree under `root`, in pre-order: the failed validations of every construct
 * (when `validate`), and each repository chart (sorted by folder) with its objects in pre-order.
 */
function walk(root: IConstruct, validate: boolean): { errors: string[]; charts: ChartObjects[] } {
  const errors: string[] = [];
  const charts: ChartObjects[] = [];
  const visit = (c: IConstruct, nearest: ChartObjects | undefined): void => {
    if (validate) for (const message of c.node.validate()) errors.push(`[${c.node.path}] ${message}`);
    if (RepositoryChart.isRepositoryChart(c)) {
      charts.push(nearest = { chart: c, objects: [] });
    } else if (Chart.isChart(c)) {
      nearest = undefined; // objects of a plain chart are not part of the repository
    } else if (nearest !== undefined && c instanceof ApiObject) {
      nearest.objects.push(c);
    }
    for (const child of c.node.children) visit(child, nearest);
  };
  visit(root, undefined);
  return { errors, charts: charts.sort((a, b) => compareText(a.chart.path, b.chart.path)) };
}

/** The repository charts under `root`, sorted by folder. */
export function repositoryCharts(root: IConstruct): RepositoryChart[] {
  return walk(root, false).charts.map(c => c.chart);
}

/**
 * Validate every construct under `root` (`node.addValidation` checks) and resolve every object
 * of its repository charts, sorted by path.
 *
 * @throws Error listing every failed validation (nothing is rendered then), or naming two
 *   objects written to the same file
 */
export function renderManifests(root: IConstruct, options: LayoutOptions = {}): Manifest[] {
  const { errors, charts } = walk(root, true);
  if (errors.length > 0) {
    throw new Error(`Validation failed with ${errors.length} error(s):\n  ${errors.join('\n  ')}`);
  }
  const out: Manifest[] = [];
  const seen = new Map<string, string>();
  for (const { chart, objects } of charts) {
    if (options.folders && !options.folders(chart.path)) continue;
    for (const obj of objects) {
      const path = `${chart.path}/${obj.kind.toLowerCase()}-${obj.name}.yaml`;
      const other = seen.get(path);
      if (other !== undefined) {
        throw new Error(`[${obj.node.path}] ${obj.kind} ${JSON.stringify(obj.name)} is written to ${path}, which ${other} already writes: names must be unique per kind and folder`);
      }
      seen.set(path, obj.node.path);
      if (options.files && !options.files(path)) continue;
      out.push({ path, object: obj.toJson() });
    }
  }
  return out.sort((a, b) => compareText(a.path, b.path));
}

/**
 * The files of a repository, made one at a time as they are asked for: each manifest as YAML,
 * then the release file of each state. A writer can write each and drop it before the next is
 * made (at 28,600 files that keeps about 65 MiB of YAML out of the heap).
 */
export function* repositoryFiles(manifests: readonly Manifest[], states: Iterable<ReleaseState>): Generator<[string, string]> {
  for (const m of manifests) yield [m.path, emitYaml(m.object)];
  for (const state of states) yield [`${state.environment}/${RELEASE_FILE}`, renderRelease(state)];
}
