/**
 * `npm run bench` — benchmarks, each a real process run like a user runs it.
 *
 *   npm run bench                                   reference synth vs `kubectl kustomize` (the A/B testing platform),
 *                                                   then the commands users run (`npm run synth`,
 *                                                   `npx cdk8s synth`, an init project's synth):
 *                                                   one row each, then a JSON line
 *   npm run bench -- --services N --envs E          scale: generated platform, last line JSON
 *   npm run bench -- --services N --envs E --clusters C
 *                                                   fleets: prod in 2 and in C clusters (the other
 *                                                   environments in one), the growth from 2 to C
 *   npm run bench -- --release [--services N --envs E --commits C]
 *                                                   `release` in a GitOps repo of N services, C commits
 *   npm run bench -- --shift [--services N --envs E --commits C]
 *                                                   `shift` of one and of every service in that repo,
 *                                                   alternating with `release` of the same services
 *   npm run bench -- --adopt                        `adopt` and `adopt --check` of the reference GitOps demo's
 *                                                   demo-dev and demo-prod overlays, each alternating with
 *                                                   `kubectl kustomize` of the same overlays
 *   npm run bench -- --all                          all three (N = 500 and 1000, E = 3; release at 1000)
 *
 * Options: --runs K (repetitions; median reported; default 7 for the reference, 1 otherwise),
 * --kustomize DIR (default ../shared/reference/gitops-demo/kustomize), --keep (keep temp dirs),
 * --tmp DIR (where the temporary output and repositories go; default the system temp folder;
 * a tmpfs such as /dev/shm takes the disk's write speed out of the figures).
 */
import { spawnSync, SpawnSyncOptions } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { installOffline, pack } from '../test/package/npm';

const ROOT = path.resolve(__dirname, '..', '..');
const NODE = process.execPath;
const KUBECTL = fs.existsSync('/usr/bin/kubectl') ? '/usr/bin/kubectl' : 'kubectl';

interface ScaleResult {
  services: number;
  envs: number;
  clusters?: number;
  objects: number;
  seconds: number;
  peakRssMiB: number;
}

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    services: { type: 'string' },
    envs: { type: 'string' },
    clusters: { type: 'string' },
    commits: { type: 'string' },
    runs: { type: 'string' },
    release: { type: 'boolean' },
    shift: { type: 'boolean' },
    all: { type: 'boolean' },
    adopt: { type: 'boolean' },
    kustomize: { type: 'string' },
    keep: { type: 'boolean' },
    tmp: { type: 'string' },
  },
});

const temps: string[] = [];
function tempDir(label: string): string {
  const d = fs.mkdtempSync(path.join(values.tmp ?? os.tmpdir(), `cdk8s-gitops-bench-${label}-`));
  temps.push(d);
  return d;
}
process.on('exit', () => {
  if (!values.keep) for (const d of temps) fs.rmSync(d, { recursive: true, force: true });
});

/** Run a process to completion; return its wall time in seconds. Throws when it fails. */
function timed(cmd: string, args: string[], options: SpawnSyncOptions = {}): { seconds: number; stdout: string } {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, ...options });
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${String(r.stderr).slice(-4000)}`);
  return { seconds, stdout: String(r.stdout) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const fmt = (s: number): string => `${(s * 1000).toFixed(0)} ms`;

function count(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag}: ${JSON.stringify(value)} must be a positive whole number`);
  return n;
}

/**
 * 1. The reference synth (`node lib/reference/main.js`) against the Kustomize build of the A/B testing platform's two
 * environments. The runs alternate (synth, kustomize, synth, ...) so that the machine's drift
 * over the minutes of a run weighs on both sides alike.
 */
function reference(runs: number): void {
  const out = tempDir('ref');
  const synth = (): number => timed(NODE, [path.join(ROOT, 'lib/reference/main.js')], { cwd: ROOT, env: { ...process.env, CDK8S_OUTDIR: out } }).seconds;
  const build = kustomizeBuild();
  // warm the file system cache of both sides
  synth();
  if (typeof build === 'function') build();
  const synthTimes: number[] = [];
  const kTimes: number[] = [];
  for (let i = 0; i < runs; i++) {
    synthTimes.push(synth());
    if (typeof build === 'function') kTimes.push(build());
  }
  const files = countFiles(out);
  process.stdout.write(`reference synth (node lib/reference/main.js, ${files} files): median ${fmt(median(synthTimes))} of ${runs} runs [${synthTimes.map(fmt).join(', ')}]\n`);
  nodeStartUp(runs);
  if (typeof build !== 'function') {
    process.stdout.write(`kustomize: skipped (${build})\n`);
    return;
  }
  const ks = median(kTimes);
  const ss = median(synthTimes);
  const pairs = synthTimes.map((t, i) => t / kTimes[i]);
  process.stdout.write(`kubectl kustomize demo-dev + demo-prod (two processes): median ${fmt(ks)} of ${runs} runs [${kTimes.map(fmt).join(', ')}]\n`);
  process.stdout.write(`ratio synth / kustomize: ${(ss / ks).toFixed(2)}; run by run ${Math.min(...pairs).toFixed(2)}-${Math.max(...pairs).toFixed(2)}\n`);
}

/**
 * The baseline: `kubectl kustomize` of the A/B testing platform's two environments (`--kustomize
 * DIR`), run one after the other; its seconds. A string saying why not when they are not there.
 */
function kustomizeBuild(): (() => number) | string {
  const kdir = path.resolve(ROOT, values.kustomize ?? '../shared/reference/gitops-demo/kustomize');
  const envDirs = ['demo-dev', 'demo-prod'].map(e => path.join(kdir, 'environments', e));
  if (!envDirs.every(d => fs.existsSync(d))) return `${kdir}/environments/{demo-dev,demo-prod} not found`;
  return () => envDirs.reduce((sum, d) => sum + timed(KUBECTL, ['kustomize', d]).seconds, 0);
}

/**
 * Node's own start-up (`node -e 0`), part of every synth. When NODE_EXTRA_CA_CERTS is set
 * (CI images often set it), Node 20 reads and parses those certificates before running any
 * script: shown with and without it, so that cost is not mistaken for cdk8s-gitops's.
 */
function nodeStartUp(runs: number): void {
  const bare = (env: NodeJS.ProcessEnv): number => timed(NODE, ['-e', '0'], { env }).seconds;
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  if (!extra) {
    process.stdout.write(`node start-up (node -e 0): median ${fmt(median(Array.from({ length: runs }, () => bare(process.env))))}\n`);
    return;
  }
  const { NODE_EXTRA_CA_CERTS: _, ...without } = process.env;
  const withCerts: number[] = [];
  const withoutCerts: number[] = [];
  for (let i = 0; i < runs; i++) {
    withCerts.push(bare(process.env));
    withoutCerts.push(bare(without));
  }
  process.stdout.write(`node start-up (node -e 0): median ${fmt(median(withCerts))}, of which loading NODE_EXTRA_CA_CERTS=${extra} `
    + `${fmt(median(withCerts) - median(withoutCerts))} (set in this environment; counted in the synth figure above)\n`);
}

function countFiles(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) n += countFiles(path.join(dir, e.name));
    else n++;
  }
  return n;
}

/** A row of the user-path table: a command's median next to its baseline's, run alternately. */
interface PathRow {
  readonly row: string;
  readonly seconds: number;
  readonly baseline: string;
  readonly baselineSeconds: number;
  readonly ratio: number;
  readonly target: string;
  readonly met: boolean;
  readonly runs: number;
}

/**
 * Time `command` and `baseline` alternately (`runs` pairs, after one warm-up of each) and
 * compare the medians with `target` (`ratio` ≤ n, or `seconds` ≤ baseline + n).
 */
function alternate(row: string, command: () => number, baseline: string, base: () => number, runs: number, target?: { ratio?: number; plus?: number }): PathRow {
  command();
  base();
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    a.push(command());
    b.push(base());
  }
  const seconds = median(a);
  const baselineSeconds = median(b);
  const ratio = seconds / baselineSeconds;
  const met = target === undefined ? true : target.ratio !== undefined ? ratio <= target.ratio : seconds <= baselineSeconds + target.plus!;
  const r: PathRow = {
    row, seconds: round(seconds), baseline, baselineSeconds: round(baselineSeconds), ratio: Math.round(ratio * 100) / 100,
    target: target === undefined ? '-' : target.ratio !== undefined ? `<= ${target.ratio}x` : `<= baseline + ${target.plus} s`, met, runs,
  };
  process.stdout.write(`${row.padEnd(58)} ${fmt(seconds).padStart(8)}  ${baseline.padEnd(30)} ${fmt(baselineSeconds).padStart(8)}  `
    + `${r.ratio.toFixed(2)}x  ${r.target.padEnd(22)} ${target === undefined ? '' : met ? 'met' : 'NOT MET'}\n`);
  process.stdout.write(`  runs: [${a.map(fmt).join(', ')}] vs [${b.map(fmt).join(', ')}]\n`);
  return r;
}

const round = (s: number): number => Math.round(s * 1000) / 1000;

/**
 * The commands users type, each against its baseline: `npm run synth` (nothing changed, and
 * after a one-line edit of reference/main.ts) and `kubectl kustomize` of the two environments;
 * `npx cdk8s synth` and `npx cdk8s --version`; the same in a project `cdk8s-gitops init` wrote
 * (installed offline from the packed package; skipped when the npm cache cannot supply it).
 */
function userPaths(runs: number): PathRow[] {
  const kustomize = kustomizeBuild();
  if (typeof kustomize !== 'function') {
    process.stdout.write(`user paths: skipped (${kustomize})\n`);
    return [];
  }
  const out = tempDir('paths');
  const npmSynth = (): number => timed('npm', ['run', '--silent', 'synth', '--', '--out', out], { cwd: ROOT }).seconds;
  const rows: PathRow[] = [];
  process.stdout.write(`\n${'command'.padEnd(58)} ${'median'.padStart(8)}  ${'baseline'.padEnd(30)} ${'median'.padStart(8)}  ratio  target\n`);
  rows.push(alternate('npm run synth (no change)', npmSynth, 'kubectl kustomize (2 envs)', kustomize, runs, { ratio: 1.0 }));

  // a one-line edit before each run: a comment, so the output stays the same; restored after
  const source = path.join(ROOT, 'reference', 'main.ts');
  const original = fs.readFileSync(source, 'utf8');
  let edits = 0;
  const restore = (): void => fs.writeFileSync(source, original);
  process.on('exit', restore);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => { restore(); process.exit(130); });
  try {
    const edited = (): number => {
      fs.writeFileSync(source, `${original}// bench edit ${++edits}\n`);
      return npmSynth();
    };
    rows.push(alternate('npm run synth after a one-line edit of reference/main.ts', edited, 'kubectl kustomize (2 envs)', kustomize, runs, { ratio: 1.5 }));
  } finally {
    restore();
  }

  const cdk8s = (cwd: string) => (): number => timed('npx', ['cdk8s', 'synth', '--check-upgrade=false', '--output', out], { cwd }).seconds;
  const version = (cwd: string) => (): number => timed('npx', ['cdk8s', '--version'], { cwd }).seconds;
  rows.push(alternate('npx cdk8s synth --check-upgrade=false', cdk8s(ROOT), 'npx cdk8s --version', version(ROOT), runs, { plus: 0.6 }));

  let project: string | undefined;
  try {
    project = path.join(tempDir('init'), 'web');
    const tarball = pack(tempDir('pack'));
    timed(NODE, [path.join(ROOT, 'bin', 'cdk8s-gitops.js'), 'init', project]);
    const manifest = JSON.parse(fs.readFileSync(path.join(project, 'package.json'), 'utf8'));
    manifest.dependencies['cdk8s-gitops'] = `file:${tarball}`;
    const own = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    installOffline(project, manifest, [...Object.keys(manifest.dependencies), ...Object.keys(manifest.devDependencies), ...Object.keys(own.dependencies)]
      .filter(p => p !== 'cdk8s-gitops'));
  } catch (e: any) {
    process.stdout.write(`init project: skipped (${String(e?.message ?? e).split('\n')[0]})\n`);
    project = undefined;
  }
  if (project) {
    rows.push(alternate('init project: npx cdk8s synth --check-upgrade=false', cdk8s(project), 'npx cdk8s --version', version(project), runs, { plus: 0.6 }));
    const direct = (): number => timed(NODE, [path.join(project!, 'node_modules', 'cdk8s-gitops', 'bin', 'cdk8s-gitops.js'), 'synth', '--out', out], { cwd: project }).seconds;
    rows.push(alternate('init project: cdk8s-gitops synth (cdk8s.yaml\'s app)', direct, 'kubectl kustomize (2 envs)', kustomize, runs, { ratio: 1.0 }));
  }
  process.stdout.write(`${JSON.stringify({ node: process.version, rows })}\n`);
  return rows;
}

/** 2. One scale run in its own process: wall time from spawn to exit, the child's peak RSS. */
function scaleOnce(services: number, envs: number, outdir?: string, clusters = 1, force = false): ScaleResult {
  const label = `${services}x${envs}${clusters > 1 ? `x${clusters}c` : ''}`;
  const out = outdir ?? tempDir(`scale-${label}`);
  const r = timed(NODE, [path.join(ROOT, 'lib/bench/scale.js'), '--services', String(services), '--envs', String(envs), '--clusters', String(clusters), '--out', out, ...(force ? ['--force'] : [])], { cwd: ROOT });
  const lines = r.stdout.trim().split('\n');
  const child = JSON.parse(lines.pop()!) as ScaleResult;
  for (const l of lines) process.stdout.write(`  ${label} ${l}\n`);
  if (!outdir) fs.rmSync(out, { recursive: true, force: true });
  return { ...child, seconds: round(r.seconds) };
}

function scale(services: number, envs: number, runs: number): ScaleResult {
  const results: ScaleResult[] = [];
  for (let i = 0; i < runs; i++) results.push(scaleOnce(services, envs));
  const seconds = median(results.map(r => r.seconds));
  const peakRssMiB = Math.max(...results.map(r => r.peakRssMiB));
  if (runs > 1) process.stdout.write(`scale ${services}x${envs}: ${runs} runs [${results.map(r => `${r.seconds}s`).join(', ')}]\n`);
  return { ...results[0], seconds, peakRssMiB };
}

/**
 * Fleets: the platform with prod in 2 and in `clusters` clusters (the other environments in
 * one), alternating, and the growth between them: objects and seconds per added prod cluster.
 */
function fleets(services: number, envs: number, clusters: number, runs: number): void {
  const sizes = [...new Set([2, clusters])];
  const results = new Map<number, ScaleResult[]>(sizes.map(c => [c, []]));
  for (let i = 0; i < runs; i++) for (const c of sizes) results.get(c)!.push(scaleOnce(services, envs, undefined, c));
  const summary = sizes.map(c => {
    const rs = results.get(c)!;
    const r = { ...rs[0], seconds: median(rs.map(x => x.seconds)), peakRssMiB: Math.max(...rs.map(x => x.peakRssMiB)) };
    process.stdout.write(`${JSON.stringify(r)}${runs > 1 ? `  runs [${rs.map(x => `${x.seconds}s`).join(', ')}]` : ''}\n`);
    return r;
  });
  if (summary.length < 2) return;
  const [a, b] = summary;
  const added = b.clusters! - a.clusters!;
  process.stdout.write(`growth from ${a.clusters} to ${b.clusters} prod clusters: objects x${(b.objects / a.objects).toFixed(2)} (+${(b.objects - a.objects) / added} per cluster), `
    + `seconds x${(b.seconds / a.seconds).toFixed(2)} (+${((b.seconds - a.seconds) / added).toFixed(2)} s per cluster, ${((b.seconds - a.seconds) / (b.objects - a.objects) * 1e6).toFixed(0)} µs per object added; `
    + `${(a.seconds / a.objects * 1e6).toFixed(0)} µs per object at ${a.clusters}), peak RSS ${a.peakRssMiB} -> ${b.peakRssMiB} MiB\n`);
}

/**
 * 3. `release` on a GitOps repository of the generated platform with `commits` commits of
 * history: the history is written with `git fast-import` (each commit changes a small
 * file), the platform is synthesized and committed on top, then `cdk8s-gitops release`
 * rolls a new tag into dev.
 */
function releaseAtScale(services: number, envs: number, commits: number, runs: number): number {
  const { depth, cli } = gitopsRepoAtScale(services, envs, commits);
  const release = (tag: string, extra: string[]) => cli(['release', '--env', 'dev', '--tag', tag, ...extra]);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = release(`${(0xabc0000 + i).toString(16)}${'0'.repeat(33)}`, []);
    times.push(r.seconds);
    process.stdout.write(`  release ${i + 1} (every service): ${r.seconds.toFixed(2)} s  ${r.summary[0]} / ${r.summary[r.summary.length - 1]}\n`);
  }
  const one: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = release(`${(0xdef0000 + i).toString(16)}${'0'.repeat(33)}`, ['--service', 'svc-0000']);
    one.push(r.seconds);
    process.stdout.write(`  release ${i + 1} (one service): ${r.seconds.toFixed(2)} s  ${r.summary[0]} / ${r.summary[r.summary.length - 1]}\n`);
  }
  process.stdout.write(`release of one service at scale: median ${median(one).toFixed(2)} s of ${runs}\n`);
  const s = median(times);
  process.stdout.write(`release at scale (${services} services x ${envs} envs, ${depth} commits, every service): median ${s.toFixed(2)} s of ${runs} (target <= 3 s)\n`);
  return s;
}

/**
 * 4. `shift` in the same repository, against `release` of the same services, run alternately
 * (release, shift, release, ...): one service, then every service. Each shift moves the split
 * (v2 20% and 30% in turn) and each release rolls a new tag, so every run commits; the target
 * is a shift costing no more than a release of the same services.
 */
function shiftAtScale(services: number, envs: number, commits: number, runs: number): Record<string, number> {
  const { cli } = gitopsRepoAtScale(services, envs, commits);
  const all = Array.from({ length: services }, (_, i) => `svc-${String(i).padStart(4, '0')}`).join(',');
  const figures: Record<string, number> = {};
  for (const [label, service] of [['one service', 'svc-0000'], ['every service', all]] as const) {
    const release: number[] = [];
    const shift: number[] = [];
    for (let i = 0; i < runs; i++) {
      const r = cli(['release', '--env', 'dev', '--service', service, '--tag', `${(0xbe00000 + i + (label === 'one service' ? 0 : 0x1000)).toString(16)}${'0'.repeat(33)}`]);
      release.push(r.seconds);
      const sh = cli(['shift', '--env', 'dev', '--service', service, '--weights', `v2=${i % 2 === 0 ? 20 : 30}`]);
      shift.push(sh.seconds);
      process.stdout.write(`  ${label} ${i + 1}: release ${r.seconds.toFixed(2)} s (${r.summary[r.summary.length - 1]}), shift ${sh.seconds.toFixed(2)} s (${sh.summary[sh.summary.length - 1]})\n`);
    }
    const [rs, ss] = [median(release), median(shift)];
    // the machine's load drifts over the minutes of a run: the pairs (run side by side) compare best
    const paired = median(shift.map((t, i) => t / release[i]));
    figures[`release ${label}`] = round(rs);
    figures[`shift ${label}`] = round(ss);
    figures[`shift/release ${label}`] = Math.round(paired * 100) / 100;
    process.stdout.write(`shift of ${label} at scale (${services} services x ${envs} envs): median ${ss.toFixed(2)} s vs release ${rs.toFixed(2)} s of ${runs}; `
      + `run by run shift/release median ${paired.toFixed(2)} (target <= 1.00: ${paired <= 1 ? 'met' : 'NOT MET'})\n`);
  }
  process.stdout.write(`${JSON.stringify({ node: process.version, services, envs, runs, ...figures })}\n`);
  return figures;
}

/**
 * A GitOps repository of the generated platform with `commits` commits of history (written with
 * `git fast-import`, each commit changing a small file), the platform synthesized and committed
 * on top: its number of commits, and a runner of the CLI in it (`--gitops-dir` and `--app` added), timed.
 */
function gitopsRepoAtScale(services: number, envs: number, commits: number): { depth: string; cli: (args: string[]) => { seconds: number; summary: string[] } } {
  const repo = tempDir('release');
  const git = (args: string[], input?: string): string => timed('git', args, { cwd: repo, input }).stdout;
  git(['init', '-q', '-b', 'main']);
  git(['config', 'user.name', 'bench']);
  git(['config', 'user.email', 'bench@example.com']);
  git(['config', 'commit.gpgsign', 'false']);
  const t0 = process.hrtime.bigint();
  const chunks: string[] = [];
  const when = 1_700_000_000;
  for (let i = 1; i <= commits; i++) {
    const msg = `history ${i}\n`;
    const data = `commit ${i}\n`;
    chunks.push(`commit refs/heads/main\nmark :${i}\ncommitter bench <bench@example.com> ${when + i} +0000\n`
      + `data ${Buffer.byteLength(msg)}\n${msg}${i > 1 ? `from :${i - 1}\n` : ''}`
      + `M 100644 inline HISTORY.txt\ndata ${Buffer.byteLength(data)}\n${data}\n`);
  }
  git(['fast-import', '--quiet'], chunks.join(''));
  git(['reset', '-q', '--hard', 'main']);
  scaleOnce(services, envs, repo, 1, true); // the repository holds a history file synth did not write
  git(['add', '-A']);
  git(['-c', 'gc.auto=0', 'commit', '-q', '-m', `synth ${services} services x ${envs} environments`]);
  // packed like a clone (a background auto-gc of the loose objects would take the CPU from the first release)
  git(['gc', '-q']);
  const prepSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const depth = git(['rev-list', '--count', 'HEAD']).trim();
  const tracked = git(['ls-files']).split('\n').filter(Boolean).length;
  process.stdout.write(`release repo: ${depth} commits, ${tracked} files (built in ${prepSeconds.toFixed(1)} s)\n`);
  const cli = (args: string[]): { seconds: number; summary: string[] } => {
    const r = timed(NODE, [path.join(ROOT, 'bin/cdk8s-gitops.js'), ...args, '--gitops-dir', repo, '--app', path.join(ROOT, 'lib/bench/platform.js')], {
      cwd: ROOT,
      env: { ...process.env, BENCH_SERVICES: String(services), BENCH_ENVS: String(envs) },
    });
    return { seconds: r.seconds, summary: r.stdout.trim().split('\n') };
  };
  return { depth, cli };
}

/**
 * `adopt` of the reference GitOps demo's demo-dev and demo-prod overlays (each run into a new
 * folder; it runs `kubectl kustomize` of both itself) and `adopt --check` of the program it
 * wrote (node_modules linked to this repository, as `npm install` would give it), each
 * alternating with `kubectl kustomize` of the same two overlays: what a user runs today.
 */
function adoptBench(runs: number): PathRow[] {
  const kustomize = kustomizeBuild();
  if (typeof kustomize !== 'function') {
    process.stdout.write(`adopt: skipped (${kustomize})\n`);
    return [];
  }
  const kdir = path.resolve(ROOT, values.kustomize ?? '../shared/reference/gitops-demo/kustomize');
  const envs = ['dev', 'prod'].map(e => `${e}=${path.join(kdir, 'environments', `demo-${e}`)}`);
  const bin = path.join(ROOT, 'bin', 'cdk8s-gitops.js');
  const work = tempDir('adopt');
  let n = 0;
  const adopt = (dir: string): { seconds: number; stdout: string } => timed(NODE, [bin, 'adopt', dir, ...envs.flatMap(e => ['--env', e])], { cwd: work });
  const program = path.join(work, 'program');
  const summary = adopt(program).stdout.split('\n').slice(1, 3).map(l => l.trim()).join('; ');
  fs.mkdirSync(path.join(program, 'node_modules', '@types'), { recursive: true });
  fs.symlinkSync(ROOT, path.join(program, 'node_modules', 'cdk8s-gitops'), 'dir');
  for (const p of ['cdk8s', 'constructs', 'esbuild', '@types/node']) fs.symlinkSync(path.join(ROOT, 'node_modules', p), path.join(program, 'node_modules', p), 'dir');
  const check = timed(NODE, [bin, 'adopt', '--check'], { cwd: program }).stdout.trim().split('\n').pop();
  process.stdout.write(`adopt of ${kdir}/environments/{demo-dev,demo-prod}: ${summary}\n--check: ${check}\n`);
  process.stdout.write(`\n${'command'.padEnd(58)} ${'median'.padStart(8)}  ${'baseline'.padEnd(30)} ${'median'.padStart(8)}  ratio  target\n`);
  const rows = [
    alternate('adopt DIR --env dev=... --env prod=...', () => adopt(path.join(work, `p${n++}`)).seconds, 'kubectl kustomize (2 envs)', kustomize, runs),
    alternate('adopt --check (in the written program)', () => timed(NODE, [bin, 'adopt', '--check'], { cwd: program }).seconds, 'kubectl kustomize (2 envs)', kustomize, runs),
  ];
  process.stdout.write(`${JSON.stringify({ adopt: rows })}\n`);
  return rows;
}

function main(): void {
  if (values.adopt) {
    adoptBench(count(values.runs, 9, '--runs'));
    return;
  }
  const envs = count(values.envs, 3, '--envs');
  if (values.all) {
    reference(count(values.runs, 7, '--runs'));
    const lines: ScaleResult[] = [];
    for (const n of [500, 1000]) {
      const r = scale(n, envs, Math.min(count(values.runs, 3, '--runs'), 3));
      lines.push(r);
      process.stdout.write(`${JSON.stringify(r)}\n`);
    }
    process.stdout.write(`seconds(1000) / seconds(500): ${(lines[1].seconds / lines[0].seconds).toFixed(2)} (target <= 2.2)\n`);
    releaseAtScale(1000, envs, count(values.commits, 5000, '--commits'), 3);
    process.stdout.write(`${JSON.stringify(lines[1])}\n`);
    return;
  }
  if (values.clusters !== undefined) {
    const clusters = count(values.clusters, 4, '--clusters');
    if (clusters < 2) throw new Error(`--clusters: ${clusters} must be 2 or more (one cluster is the plain scale run: leave --clusters out)`);
    fleets(count(values.services, 1000, '--services'), envs, clusters, count(values.runs, 1, '--runs'));
    return;
  }
  if (values.shift) {
    shiftAtScale(count(values.services, 1000, '--services'), envs, count(values.commits, 5000, '--commits'), count(values.runs, 3, '--runs'));
    return;
  }
  if (values.release) {
    releaseAtScale(count(values.services, 1000, '--services'), envs, count(values.commits, 5000, '--commits'), count(values.runs, 3, '--runs'));
    return;
  }
  if (values.services !== undefined || values.envs !== undefined) {
    const r = scale(count(values.services, 1000, '--services'), envs, count(values.runs, 1, '--runs'));
    process.stdout.write(`${JSON.stringify(r)}\n`);
    return;
  }
  reference(count(values.runs, 7, '--runs'));
  userPaths(count(values.runs, 7, '--runs'));
}

main();
