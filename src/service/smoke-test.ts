import { ApiObject } from 'cdk8s';
import type { IJobSpec } from 'kubernetes-models/batch/v1/JobSpec';
import { Construct } from 'constructs';
import { ConfigError } from '../core/errors';
import { checkDnsLabel, checkEnvVarName, checkInteger } from '../core/names';
import { shellQuote } from '../core/shell-quote';
import { contentHash } from './config-hash';
import { ImageReference } from './image';
import { Resources, ResourcesProps } from '../model/resources';
import { checkUid, containerSecurityContext, DEFAULT_UID, podSecurityContext } from './security';

/**
 * Props of a SmokeTest.
 */
export interface SmokeTestProps {
  /** @default 'smoke-test' */
  readonly name?: string;
  /** POSIX shell script run after every sync; a non-zero exit fails the sync. */
  readonly script: string;
  /**
   * Pinned image with `sh` and `curl`.
   * @default 'docker.io/curlimages/curl:8.11.1'
   */
  readonly image?: string;
  /** Environment of the script (e.g. base URLs). @default - none */
  readonly env?: Record<string, string>;
  /**
   * URLs to wait for (name -> URL answering 2xx) before the script runs, in an init container.
   * @default - none
   */
  readonly waitFor?: Record<string, string>;
  /**
   * Host header of every request (when the gateway serves named hosts, not `*`).
   * @default - none
   */
  readonly hostHeader?: string;
  /** Give up after this many seconds. @default 600 */
  readonly deadlineSeconds?: number;
  /** @default - cpu 50m/200m, memory 32Mi/64Mi */
  readonly resources?: ResourcesProps;
  /** @default 10001 */
  readonly runAsUser?: number;
}

/**
 * A smoke test run by Argo CD after each sync (a PostSync hook Job, deleted before the next
 * run and after success), hardened like every workload.
 */
export class SmokeTest extends Construct {
  /** ServiceAccount name of the Job's pod. */
  public readonly serviceAccountName: string;
  /** Job name. */
  public readonly name: string;

  constructor(scope: Construct, id: string, props: SmokeTestProps) {
    super(scope, id);
    const path = this.node.path;
    this.name = checkDnsLabel(path, 'name', props.name ?? 'smoke-test');
    this.serviceAccountName = `${this.name}-sa`;
    const image = ImageReference.parseAt(path, 'image', props.image ?? 'docker.io/curlimages/curl:8.11.1').toString();
    const uid = checkUid(path, 'runAsUser', props.runAsUser ?? DEFAULT_UID);
    const resources = Resources.ofAt(path, 'resources', props.resources, { cpu: { request: '50m', limit: '200m' }, memory: { request: '32Mi', limit: '64Mi' } }).toJson();
    if (typeof props.script !== 'string' || props.script.trim() === '') throw new ConfigError(path, 'script', props.script, 'must be a non-empty shell script');
    const env = Object.entries(props.env ?? {}).map(([name, value]) => ({ name: checkEnvVarName(path, `env.${name}`, name), value }));
    if (props.hostHeader !== undefined) {
      if (env.some(e => e.name === 'HOST_HEADER')) throw new ConfigError(path, 'env.HOST_HEADER', 'HOST_HEADER', 'is set by hostHeader: set it once');
      env.push({ name: 'HOST_HEADER', value: props.hostHeader });
    }
    const labels = { 'app': this.name, 'app.kubernetes.io/name': this.name, 'app.kubernetes.io/managed-by': 'cdk8s-gitops' };

    new ApiObject(this, 'ServiceAccount', {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: this.serviceAccountName, labels },
      automountServiceAccountToken: false,
    });
    const data = { 'smoke-test.sh': props.script };
    const configName = `${this.name}-script-${contentHash(data)}`;
    new ApiObject(this, 'Script', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: configName, labels }, data, immutable: true });

    const waits = Object.entries(props.waitFor ?? {});
    const waitScript = [
      'set -eu',
      'wait_for() {',
      '  i=1',
      '  while [ "$i" -le 60 ]; do',
      '    if curl -fsS -o /dev/null ${HOST_HEADER:+-H "Host: $HOST_HEADER"} "$2"; then echo "$1 is ready"; return 0; fi',
      '    echo "[$i/60] waiting for $1 at $2"; i=$((i+1)); sleep 2',
      '  done',
      '  echo "timeout waiting for $1"; exit 1',
      '}',
      ...waits.map(([n, url]) => `wait_for ${shellQuote(n)} ${shellQuote(url)}`),
    ].join('\n') + '\n';
    const sc = containerSecurityContext(uid, uid);
    const mounts = [{ name: 'tmp', mountPath: '/tmp' }];

    new ApiObject(this, 'Job', {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: this.name,
        labels,
        annotations: {
          'argocd.argoproj.io/hook': 'PostSync',
          'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation,HookSucceeded',
        },
      },
      spec: {
        backoffLimit: 1,
        activeDeadlineSeconds: checkInteger(path, 'deadlineSeconds', props.deadlineSeconds ?? 600, 1),
        template: {
          metadata: {
            labels,
            // the sidecar runs as a native sidecar so the Job can complete
            annotations: { 'sidecar.istio.io/nativeSidecar': 'true' },
          },
          spec: {
            restartPolicy: 'Never',
            serviceAccountName: this.serviceAccountName,
            automountServiceAccountToken: false,
            securityContext: podSecurityContext(uid, uid),
            initContainers: waits.length > 0 ? [{
              name: 'wait-for-services',
              image,
              imagePullPolicy: 'IfNotPresent',
              command: ['/bin/sh', '-c', waitScript],
              env: env.length > 0 ? env : undefined,
              resources,
              securityContext: sc,
              volumeMounts: mounts,
            }] : undefined,
            containers: [{
              name: this.name,
              image,
              imagePullPolicy: 'IfNotPresent',
              command: ['/bin/sh', '/scripts/smoke-test.sh'],
              env: env.length > 0 ? env : undefined,
              resources,
              securityContext: sc,
              volumeMounts: [...mounts, { name: 'script', mountPath: '/scripts', readOnly: true }],
            }],
            volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }, { name: 'script', configMap: { name: configName } }],
          },
        },
      } satisfies IJobSpec,
    });
  }
}
