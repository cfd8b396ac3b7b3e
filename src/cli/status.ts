import { Provenance, PROVENANCE_TRAILERS } from '../git/commit-message';
import { ServiceRow, status, StatusResult } from '../gitops/status-flow';
import { escapeControl } from '../core/redact';
import { defineOptions, required } from './args';
import { command, commandHelp } from './command';
import { JSON_ALIAS, outputOption, printJson } from './output';

export const OPTIONS = defineOptions({
  'gitops-dir': { type: 'string', value: 'DIR', description: 'the GitOps repository (a clone; HEAD may be detached)' },
  'rev': { type: 'string', value: 'REV', description: 'commit, branch or tag to read (default: HEAD)' },
  'remote': {
    type: 'string',
    value: 'NAME',
    description: 'read what the remote runs: fetch the current branch from NAME (e.g.\norigin; only its remote-tracking branch is updated) and read its tip,\nsaying how far the local branch is behind or ahead of it',
  },
  ...outputOption(['text', 'json'], 'text (default) or json: {commit, environments, services}; an environment\nwith clusters has clusters: [{name, services, weights}] and its rows\nclusters: {ENV: {CLUSTER: tag}} and clusterWeights: {ENV: {CLUSTER: percent}};\nwith --remote, remote: {name, branch, local, behind, ahead}'),
  ...JSON_ALIAS,
});

export const HELP = commandHelp(`Usage: cdk8s-gitops status --gitops-dir DIR [--rev REV | --remote NAME] [-o text|json]

Show what each environment runs, side by side: the image tag of every service (version)
in each <env>/release.yaml (a column per cluster for an environment with clusters:
ENV/CLUSTER), with the version's percent of the traffic where the release file pins a
split (\`shift\`; in a cluster column, the split that cluster takes), rows whose tags differ
between environments (clusters) marked with *, and the
commit that last changed each release file, with where it came from (the source commit of
the image, the commit of the program that rendered it: the commit's trailers). Reads git
only: no program, nothing written (--remote fetches one branch).

`, OPTIONS, `Exit codes: 0 ok, 1 failed, 2 usage error.
`);

export const run = command({ help: HELP, options: OPTIONS }, ({ values, output }) => {
  const result = status({ dir: required(values['gitops-dir'], '--gitops-dir'), rev: values.rev, remote: values.remote });
  if (output === 'json') printJson(statusJson(result));
  else process.stdout.write(formatStatus(result) + formatRemote(result));
  return 0;
});

/** The status as `-o json` prints it: every provenance field of a last release present (null: not recorded). */
export function statusJson(result: StatusResult): unknown {
  const fields = Object.keys(PROVENANCE_TRAILERS) as (keyof Provenance)[];
  return {
    ...result,
    environments: result.environments.map(e => ({
      ...e,
      lastRelease: e.lastRelease && { ...e.lastRelease, provenance: Object.fromEntries(fields.map(f => [f, e.lastRelease!.provenance[f] ?? null])) },
    })),
  };

}

/** With `--remote`: one line saying which remote branch was read and where the local branch is against it; empty otherwise. */
export function formatRemote(result: StatusResult): string {
  const r = result.remote;
  if (r === undefined) return '';
  const target = `${r.name}/${r.branch}`;
  const commits = (n: number) => `${n} commit${n === 1 ? '' : 's'}`;
  const where = r.local === undefined ? `local ${r.branch} has no commits`
    : r.behind === 0 && r.ahead === 0 ? `local ${r.branch} is at the same commit`
      : r.ahead === 0 ? `local ${r.branch} (${r.local.slice(0, 12)}) is ${commits(r.behind)} behind: \`git pull --ff-only\` updates it`
        : r.behind === 0 ? `local ${r.branch} (${r.local.slice(0, 12)}) is ${commits(r.ahead)} ahead (not pushed)`
          : `local ${r.branch} (${r.local.slice(0, 12)}) has diverged: ${commits(r.behind)} behind, ${commits(r.ahead)} ahead`;
  return `read ${target} (fetched now); ${where}\n`;
}

/**
 * The status as a table (service, version, a column per environment, or per cluster of one
 * with clusters) and the last release of each environment. What git holds is shown with its
 * control characters escaped (a commit subject with ESC sequences does not drive the terminal).
 */
export function formatStatus(result: StatusResult): string {
  return formatStatusTable(result).split('\n').map(line => escapeControl(line)).join('\n');
}

function formatStatusTable(result: StatusResult): string {
  const envs = result.environments.map(e => e.name);
  if (envs.length === 0) return `no release files at ${result.commit.slice(0, 12)} (an <env>/release.yaml per environment)\n`;
  const columns = result.environments.flatMap(e => (e.clusters === undefined
    ? [{ title: e.name, tag: (r: ServiceRow) => r.tags[e.name], weight: (r: ServiceRow) => r.weights?.[e.name] }]
    : e.clusters.map(c => ({ title: `${e.name}/${c.name}`, tag: (r: ServiceRow) => r.clusters?.[e.name]?.[c.name], weight: (r: ServiceRow) => r.clusterWeights?.[e.name]?.[c.name] }))));
  const header = ['', 'SERVICE', 'VERSION', ...columns.map(c => c.title.toUpperCase())];
  const cell = (r: ServiceRow, c: typeof columns[number]) => {
    const weight = c.weight(r);
    return `${c.tag(r) ?? '-'}${weight !== undefined ? ` ${weight}%` : ''}`;
  };
  const body = result.services.map(r => [r.same ? '' : '*', r.service, r.version ?? '-', ...columns.map(c => cell(r, c))]);
  const widths = header.map((_, i) => Math.max(...[header, ...body].map(row => row[i].length)));
  const line = (row: string[]) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  const differ = body.filter(r => r[0] === '*').length;
  const pad = Math.max(...envs.map(n => n.length));
  const last = result.environments.flatMap(e => {
    const r = e.lastRelease;
    const lines = [`${e.name.padEnd(pad)}  ${r ? `${r.commit.slice(0, 12)} ${r.date} ${r.subject}` : '(never committed)'}`];
    const p = r?.provenance ?? {};
    const indent = ' '.repeat(pad + 2);
    if (p.sourceCommit !== undefined || p.sourceRepository !== undefined) lines.push(`${indent}source ${p.sourceRepository ?? '(repository not recorded)'} @ ${p.sourceCommit ?? '(commit not recorded)'}`);
    if (p.programCommit !== undefined || p.tool !== undefined) lines.push(`${indent}rendered by ${p.tool ?? 'cdk8s-gitops'}${p.programCommit !== undefined ? `, program at ${p.programCommit}` : ''}`);
    return lines;
  });
  return `${[line(header), ...body.map(line)].join('\n')}\n\n`
    + `${differ === 0 ? 'every environment runs the same tags' : `* ${differ} of ${body.length} differ between environments`} (at ${result.commit.slice(0, 12)})\n`
    + `last release:\n${last.map(l => `  ${l}`).join('\n')}\n`;
}
