/**
 * A real Prometheus (the `prometheus` binary, e.g. Debian's package) on loopback, scraping a
 * real instrumented Flask process (test/fixtures/gate-app.py) every second: for the gate's
 * end-to-end test. Both are started with free ports, a temporary config and TSDB, and stopped
 * and removed by {@link Stack.stop}.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { queryInstant } from '../../src/gate/prometheus';
import { freePort } from './fake-prometheus';

export const APP_SCRIPT = path.join(__dirname, '..', 'fixtures', 'gate-app.py');
export const INSTALL_HINT = 'apt-get install -y --no-install-recommends prometheus python3-flask python3-prometheus-client';

/** The programs the test runs. */
export interface Tools {
  readonly prometheus: string;
  /** A Python that imports flask and prometheus_client (Debian's modules are /usr/bin/python3's). */
  readonly python: string;
}

/** Set by `.ci/run`: the suites against a real Prometheus must run (missing programs fail them instead of skipping them). */
export const REQUIRED = process.env.CDK8S_GITOPS_PROMETHEUS_TESTS === 'required';

/**
 * `describe` for a suite against a real Prometheus; `body` gets the programs it runs. Where they
 * are missing the suite is skipped with a warning that says how to install them, or, when
 * {@link REQUIRED}, fails with that message.
 */
export function describeWithPrometheus(name: string, body: (tools: Tools) => void): void {
  const tools = findTools();
  if (!('missing' in tools)) {
    describe(name, () => body(tools));
  } else if (REQUIRED) {
    describe(name, () => {
      test('has a real Prometheus and the instrumented app to run against (CDK8S_GITOPS_PROMETHEUS_TESTS=required)', () => {
        throw new Error(`${tools.missing} not found. Install: ${INSTALL_HINT}`);
      });
    });
  } else {
    // eslint-disable-next-line no-console
    console.warn(`${name}: SKIPPED, ${tools.missing} not found. Install: ${INSTALL_HINT} (CI sets CDK8S_GITOPS_PROMETHEUS_TESTS=required)`);
    // the tests are listed as skipped; a skipped suite runs none of its hooks, so no program is started
    describe.skip(name, () => body({ prometheus: 'prometheus', python: 'python3' }));
  }
}

/** The programs, or what is missing. */
export function findTools(): Tools | { missing: string } {
  const runs = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore', timeout: 20_000 }).status === 0;
  const missing: string[] = [];
  const prometheus = 'prometheus';
  if (!runs(prometheus, ['--version'])) missing.push('the prometheus binary');
  const python = ['python3', '/usr/bin/python3'].find(p => runs(p, ['-c', 'import flask, prometheus_client']));
  if (python === undefined) missing.push('a python3 with the flask and prometheus_client modules');
  return python !== undefined && missing.length === 0 ? { prometheus, python } : { missing: missing.join(' and ') };
}

/** One version the app serves: its share of 5xx answers, its latency (s) and its load (requests/s, 0 = none). */
export interface AppVersion {
  readonly name: string;
  readonly errorRatio: number;
  readonly latency: number;
  readonly rps: number;
}

export interface Stack {
  /** Base URL of Prometheus. */
  readonly prometheus: string;
  /** Port of each version's app. */
  readonly ports: Readonly<Record<string, number>>;
  /** Stop both processes (SIGTERM, then SIGKILL after 5 s) and remove the temporary folder. */
  stop(): Promise<void>;
}

const DEADLINE_MS = 20_000;

/**
 * Start the app (one port per version, labelled by Prometheus `app=service`,
 * `namespace=namespace`, as a Kubernetes scrape job labels pods) and Prometheus scraping it
 * every second; resolve once Prometheus is ready. On failure everything started is stopped.
 */
export async function startStack(tools: Tools, service: string, namespace: string, versions: readonly AppVersion[]): Promise<Stack> {
  return startStacks(tools, [{ service, namespace, versions }]);
}

/** One service the app serves, labelled as the pods of `service` in `namespace`. */
export interface AppService {
  readonly service: string;
  readonly namespace: string;
  readonly versions: readonly AppVersion[];
}

/**
 * {@link startStack} for several services: one app process per service, and one Prometheus
 * scraping them all (the ports of the first service are {@link Stack.ports}).
 */
export async function startStacks(tools: Tools, services: readonly AppService[]): Promise<Stack> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gitops-gate-e2e-'));
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(children.map(terminate));
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const targets: string[] = [];
    let first: Record<string, number> | undefined;
    for (const { service, namespace, versions } of services) {
      const app = spawn(tools.python, [APP_SCRIPT, ...versions.map(v => `${v.name}:${v.errorRatio}:${v.latency}:${v.rps}`)], { stdio: ['pipe', 'pipe', 'pipe'] });
      children.push(app);
      const ports: Record<string, number> = JSON.parse(await firstLine(app, 'the fixture app'));
      first ??= ports;
      targets.push('      - targets: [' + versions.map(v => `"127.0.0.1:${ports[v.name]}"`).join(', ') + ']',
        `        labels: { app: "${service}", namespace: "${namespace}" }`);
    }
    const ports = first!;
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      'scrape_configs:',
      '  - job_name: gate-app',
      '    static_configs:',
      ...targets,
      '',
    ].join('\n'));
    // a port can be taken between freePort() and Prometheus binding it: try another then
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const prometheus = spawn(tools.prometheus, [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(dir, `data-${attempt}`)}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ], { stdio: ['ignore', 'ignore', 'pipe'] });
      children.push(prometheus);
      const url = `http://127.0.0.1:${port}`;
      try {
        await waitUntil(prometheus, 'prometheus', async () => (await fetch(`${url}/-/ready`)).ok);
        return { prometheus: url, ports, stop };
      } catch (e: any) {
        if (attempt === 3 || !/address already in use/.test(e.message)) throw e;
      }
    }
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Resolve once Prometheus scraped each of the app's `targets` (one per version) at least 3 times (their counters then have 2+ samples for rate()); reject after 20 s. */
export async function waitForScrapes(stack: Stack, targets: number): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (await queryInstant(stack.prometheus, 'count(count_over_time(up{job="gate-app"}[1m]) >= 3)') !== targets) {
    if (Date.now() > deadline) throw new Error(`Prometheus scraped too little within ${DEADLINE_MS / 1000} s`);
    await new Promise(r => setTimeout(r, 200));
  }
}

/** Resolve when `ready()` is true (polled every 100 ms); reject when the process exits first or after 20 s. */
export async function waitUntil(child: ChildProcess, name: string, ready: () => Promise<boolean>): Promise<void> {
  const stderr = collect(child);
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}): ${stderr().slice(-2000)}`);
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${name} was not ready within ${DEADLINE_MS / 1000} s: ${stderr().slice(-2000)}`);
    await new Promise(r => setTimeout(r, 100));
  }
}

/** The first line the process writes to stdout. */
function firstLine(child: ChildProcess, name: string): Promise<string> {
  const stderr = collect(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${name} wrote nothing within ${DEADLINE_MS / 1000} s: ${stderr()}`)), DEADLINE_MS);
    child.stdout!.on('data', d => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, nl));
      }
    });
    child.on('exit', code => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before it was ready: ${stderr()}`));
    });
  });
}

const collected = new WeakMap<ChildProcess, () => string>();
/** What the process writes to stderr so far (collected from the first call on). */
function collect(child: ChildProcess): () => string {
  let get = collected.get(child);
  if (get === undefined) {
    let text = '';
    child.stderr?.on('data', d => { text += d; });
    get = () => text;
    collected.set(child, get);
  }
  return get;
}

function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise(resolve => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
