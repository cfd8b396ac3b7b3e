import { ConfigError } from '../errors';
import { GitOpsApp } from '../gitops-app';
import { loadEsbuild } from '../cli/typescript-entry';

/**
 * Build the app of a program written by `adopt` in this process, from its source: the
 * TypeScript transpiled (esbuild, types stripped), `cdk8s-gitops` resolved to this library.
 * What the written program renders once installed, without writing or installing it: to find
 * the rules each adopted object breaks, and the constructs that refuse their props.
 */
export function evaluateProgram(source: string): GitOpsApp {
  const { code } = loadEsbuild().transformSync(source, { loader: 'ts', format: 'cjs', target: 'node20', sourcefile: 'main.ts' });
  const module = { exports: {} as Record<string, any> };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const load = (id: string) => (id === 'cdk8s-gitops' ? require('../index') : require(id));
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  new Function('require', 'module', 'exports', code)(load, module, module.exports);
  return module.exports.createApp({}) as GitOpsApp;
}

/** The construct id (a child of the chart) a ConfigError was thrown at: `demo-dev/backend` → `backend`. */
export function refusingConstruct(e: unknown): string | undefined {
  if (!(e instanceof ConfigError)) return undefined;
  const parts = e.constructPath.split('/');
  return parts.length >= 2 ? parts[1] : undefined;
}
