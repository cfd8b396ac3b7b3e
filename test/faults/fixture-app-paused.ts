/**
 * The fixture program of the GitOps tests, plus a test hook for the lock suite: when
 * FIXTURE_PAUSE_MARKER names a file, the first construction of the program (in synth: after it
 * has read the release files) writes its pid there, then waits until `<marker>.go` exists (up
 * to 30 s). A test makes a command run while synth is between reading and writing.
 */
import * as fs from 'fs';
import { GitOpsApp, GitOpsAppProps } from '../../src/app/gitops-app';
import { makeApp } from '../gitops/fixture-app';

let paused = false;

/** The program entry point `--app` loads. */
export function createApp(props: GitOpsAppProps): GitOpsApp {
  const marker = process.env.FIXTURE_PAUSE_MARKER;
  if (marker && !paused) {
    paused = true;
    // written whole before it appears: the test reads the pid as soon as the file exists
    fs.writeFileSync(`${marker}.tmp`, String(process.pid));
    fs.renameSync(`${marker}.tmp`, marker);
    const sleep = new Int32Array(new SharedArrayBuffer(4));
    for (const end = Date.now() + 30_000; !fs.existsSync(`${marker}.go`) && Date.now() < end;) Atomics.wait(sleep, 0, 0, 20);
  }
  return makeApp(props);
}
