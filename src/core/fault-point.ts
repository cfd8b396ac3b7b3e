/**
 * Crash points for the fault-injection tests (`test/faults/`), never set in normal use.
 *
 * When the environment variable `CDK8S_GITOPS_FAULT_POINT` names a point (`name`, or `name:N`
 * for the N-th time it is reached, 1-based), the process kills itself there with SIGKILL, as a
 * power cut or an out-of-memory kill would: no `finally`, no exit handlers. The tests run the
 * real CLI with each point set and assert what the output folder, the repository and the
 * remote hold afterwards.
 */
const wanted = process.env.CDK8S_GITOPS_FAULT_POINT;
const reached = new Map<string, number>();

/** Kill the process here when `CDK8S_GITOPS_FAULT_POINT` names this point (see the module doc). */
export function faultPoint(name: string): void {
  if (wanted === undefined || wanted === '') return;
  const n = (reached.get(name) ?? 0) + 1;
  reached.set(name, n);
  if (wanted === name || wanted === `${name}:${n}`) process.kill(process.pid, 'SIGKILL');
}
