import * as fs from 'fs';
import * as path from 'path';
import { createApp } from './gitops/fixture-app-canary';
import { createApp as fleetApp } from './gitops/fixture-app-canary-fleet';
import { cleanup, cli, isolateGit, seedRepo } from './gitops/helpers';

beforeAll(isolateGit);
afterAll(cleanup);
const APP = path.join(__dirname, 'gitops/fixture-app-canary.ts');
const FLEET = path.join(__dirname, 'gitops/fixture-app-canary-fleet.ts');
const NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty'];

test('probe', async () => {
  const out: string[] = [];
  const { clone } = seedRepo(createApp);
  const { clone: fclone } = seedRepo(fleetApp);
  for (const n of NAMES) {
    const cases: string[][] = [
      ['release', '--gitops-dir', clone, '--env', n, '--tag', 't1', '--app', APP],
      ['release', '--gitops-dir', clone, '--env', 'dev', '--service', n, '--tag', 't1', '--app', APP],
      ['release', '--gitops-dir', fclone, '--env', 'prod', '--cluster', n, '--tag', 't1', '--app', FLEET],
      ['promote', '--gitops-dir', clone, '--from', n, '--to', 'prod', '--app', APP],
      ['promote', '--gitops-dir', clone, '--from', 'dev', '--to', n, '--app', APP],
      ['promote', '--gitops-dir', fclone, '--from', 'dev', '--to', 'prod', '--cluster', n, '--app', FLEET],
      ['rollback', '--gitops-dir', clone, '--env', n, '--app', APP],
      ['rollback', '--gitops-dir', fclone, '--env', 'prod', '--cluster', n, '--app', FLEET],
      ['shift', '--gitops-dir', clone, '--env', n, '--service', 'backend', '--weights', 'v2=20', '--app', APP],
      ['shift', '--gitops-dir', clone, '--env', 'prod', '--service', n, '--weights', 'v2=20', '--app', APP],
      ['shift', '--gitops-dir', clone, '--env', 'prod', '--service', 'backend', '--weights', `${n}=20`, '--app', APP],
      ['shift', '--gitops-dir', clone, '--env', 'prod', '--service', 'backend', '--weights', `v1=80,${n}=20`, '--app', APP],
      ['shift', '--gitops-dir', clone, '--env', 'prod', '--service', 'backend', '--weights', 'v2=20', '--gate', `${n}=1`, '--app', APP],
      ['shift', '--gitops-dir', fclone, '--env', 'prod', '--cluster', n, '--service', 'backend', '--weights', 'v2=20', '--app', FLEET],
      ['diff', '--gitops-dir', clone, '--env', n, '--app', APP],
      ['status', '--gitops-dir', clone, '--rev', n],
      ['gate', '--prometheus', 'http://127.0.0.1:1', '--service', n, '--version', 'v1', '--timeout', '1'],
      ['gate', '--prometheus', 'http://127.0.0.1:1', '--service', 'a', '--version', n, '--timeout', '1'],
      [`--${n}`],
      ['release', `--${n}`, 'x'],
      [n],
    ];
    for (const c of cases) {
      const r = await cli(...c);
      out.push(`${c.filter(x => x !== clone && x !== fclone && x !== APP && x !== FLEET).join(' ')}\n  => ${r.code} ${r.stdout.trim().slice(0, 200)} | ${r.stderr.trim().slice(0, 300)}`);
    }
  }
  fs.writeFileSync('/tmp/h19b-scratch/probe.txt', out.join('\n'));
}, 300000);
