/**
 * One scale run, in its own process (so its time includes node start-up and module load, and
 * its peak RSS is its own): synthesize the generated platform of `--services N` services in
 * `--envs E` environments (prod in `--clusters C` clusters, default 1) into `--out DIR` through
 * `synthesize()` (construct validation, manifest validation, YAML, atomic write), then print one
 * JSON line.
 *
 *   node lib/bench/scale.js --services 1000 --envs 3 [--clusters 4] --out /tmp/x
 */
// Modules are loaded after the argument check, inside the measured time.
import { parseArgs } from 'util';

function main(): void {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { services: { type: 'string' }, envs: { type: 'string' }, clusters: { type: 'string' }, out: { type: 'string' }, force: { type: 'boolean' } },
  });
  const services = Number(values.services ?? 1000);
  const envs = Number(values.envs ?? 3);
  const clusters = Number(values.clusters ?? 1);
  if (!values.out) throw new Error('--out DIR is required');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createApp } = require('./platform') as typeof import('./platform');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { synthesize } = require('../src/app/synth') as typeof import('../src/app/synth');
  const loaded = process.uptime();
  const app = createApp({ services, envs, clusters });
  const constructed = process.uptime();
  const timings: Record<string, number> = {};
  // --force: a GitOps repository with files of its own (the release benchmark's history file)
  const result = synthesize(app, values.out, { timings, force: values.force === true });
  const objects = result.files.filter(f => !f.endsWith('/release.yaml')).length;
  const seconds = process.uptime();
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;
  const phases = { startAndLoad: loaded, construct: constructed - loaded, ...timings };
  process.stdout.write(`phases (s): ${Object.entries(phases).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}\n`);
  process.stdout.write(`${JSON.stringify({ services, envs, ...(clusters > 1 ? { clusters } : {}), objects, seconds: round(seconds, 3), peakRssMiB: round(peakRssMiB, 1) })}\n`);
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

main();
