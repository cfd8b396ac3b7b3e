import { GitOpsApp } from '../app/gitops-app';
import { ConfigError } from '../core/errors';
import { loadEsbuild } from './typescript-entry';

/**
 * Build the app of a program written by `adopt` in this process, from its source: the
 * TypeScript transpiled (esbuild, types stripped), its imports resolved from here (`cdk8s-gitops`:
 * this package, by its own name, as the written program will once installed).
 * What the written program renders once installed, without writing or installing it: to find
 * the rules each adopted object breaks, and the constructs that refuse their props.
 */
export function evaluateProgram(source: string): GitOpsApp {
  const { code } = loadEsbuild().transformSync(source, { loader: 'ts', format: 'cjs', target: 'node20', sourcefile: 'main.ts' });
  const module = { exports: {} as Record<string, any> };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const load = (id: string) => require(id);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  new Function('require', 'module', 'exports', code)(load, module, module.exports);
  return module.exports.createApp({}) as GitOpsApp;
}

/**
 * The constructs (ids of children of a chart) that refused their props, with the message of
 * each: from a ConfigError (`[demo-dev/backend] portName: ...`), or from the lines of the
 * error that lists every construct's (`Construction failed with 2 error(s): ...`).
 */
export function refusingConstructs(e: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (e instanceof ConfigError) {
    const id = e.constructPath.split('/')[1];
    if (id !== undefined) out.set(id, e.message);
    return out;
  }
  for (const line of String((e as Error)?.message ?? '').split('\n')) {
    const m = /^\s*\[[^\]/]+\/([^\]/]+)[^\]]*\] /.exec(line);
    if (m && !out.has(m[1])) out.set(m[1], line.trim());
  }
  return out;
}
