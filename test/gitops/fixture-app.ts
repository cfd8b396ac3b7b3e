/**
 * A small cdk8s-gitops program for the GitOps tests, built directly on GitOpsApp: for
 * environments dev and prod, a RepositoryChart at `<env>/demo` with one Deployment per service
 * version (hardened, so the manifest checks release runs pass), each environment registered
 * with `app.addEnvironment`. Images are bound to the release state (`app.releases.bind`), with
 * defaults.
 * `createApp` is what `--app` loads (also in spawned CLI processes).
 */
import * as fs from 'fs';
import { ApiObject, Lazy } from 'cdk8s';
import { Environment } from '../../src/model/environment';
import { ConfigError } from '../../src/core/errors';
import { GitOpsApp, GitOpsAppProps } from '../../src/app/gitops-app';
import { RepositoryChart } from '../../src/model/repository-chart';

/** A service of the fixture: versioned (`versions`) or not. */
export interface FixtureService {
  readonly name: string;
  readonly versions?: readonly string[];
}

/** backend (v1, v2), monitor (v1, v2), frontend (no versions). */
export const DEFAULT_SERVICES: readonly FixtureService[] = [
  { name: 'backend', versions: ['v1', 'v2'] },
  { name: 'monitor', versions: ['v1', 'v2'] },
  { name: 'frontend' },
];

/** Default tag of every service (version) when no release pins one. */
export const DEFAULT_TAG = '1.0.0';

/** Environments of the fixture. */
export const ENVIRONMENTS = ['dev', 'prod'] as const;

/** Build the fixture app with the given services. */
export function makeApp(props: GitOpsAppProps, services: readonly FixtureService[] = DEFAULT_SERVICES): GitOpsApp {
  // Test hook: a tag naming a marker file makes rendering hang (to kill a release mid-way).
  const hang = process.env.FIXTURE_HANG_MARKER;
  const app = new GitOpsApp(props);
  for (const env of ENVIRONMENTS) app.addEnvironment(new Environment({ name: env }), () => {
    const chart = new RepositoryChart(app, `${env}-demo`, { path: `${env}/demo`, namespace: `demo-${env}` });
    for (const svc of services) {
      for (const version of svc.versions ?? [undefined]) {
        const image = app.releases.bind({
          environment: env,
          service: svc.name,
          version,
          fallback: DEFAULT_TAG,
          render: tag => {
            if (tag === 'hang' && hang) {
              // written whole before it appears: a test reads the pid as soon as the file exists
              fs.writeFileSync(`${hang}.tmp`, String(process.pid));
              fs.renameSync(`${hang}.tmp`, hang);
              Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
            }
            // Test hook: the tag `refused-by-program` is refused when the image is bound (as a construct refuses a prop)
            if (tag === 'refused-by-program') throw new ConfigError(`${env}-demo/${svc.name}`, 'tag', tag, 'is refused by the program');
            return `registry.example/${svc.name}:${tag}`;
          },
        });
        chart.node.addValidation({ validate: () => (image.tag === 'invalid-by-policy' ? [`image tag ${JSON.stringify(image.tag)} is refused by policy`] : []) });
        const name = version ? `${svc.name}-${version}` : svc.name;
        const labels: Record<string, string> = { app: svc.name, ...(version ? { version } : {}) };
        new ApiObject(chart, name, {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name, labels },
          spec: {
            replicas: env === 'prod' ? 2 : 1,
            selector: { matchLabels: labels },
            template: {
              metadata: { labels },
              spec: {
                automountServiceAccountToken: false,
                // Test hook: the tag `as-root` renders a pod the manifest checks refuse.
                securityContext: Lazy.any({
                  produce: () => (image.tag === 'as-root'
                    ? { runAsNonRoot: false, runAsUser: 0, runAsGroup: 0, seccompProfile: { type: 'RuntimeDefault' } }
                    : { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } }),
                }),
                containers: [{
                  name: svc.name,
                  image: Lazy.any({ produce: () => image.ref }),
                  ports: [{ containerPort: 5000 }],
                  securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
                  resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } },
                  readinessProbe: { httpGet: { path: '/healthz', port: 5000 } },
                  livenessProbe: { httpGet: { path: '/healthz', port: 5000 }, failureThreshold: 6 },
                }],
              },
            },
          },
        });
      }
    }
  });
  return app;
}

/** The program entry point `--app` loads. */
export function createApp(props: GitOpsAppProps): GitOpsApp {
  return makeApp(props);
}
