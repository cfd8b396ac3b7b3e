/** Temporary directories for tests, removed after the test file that made them. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const made: string[] = [];

afterAll(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A fresh directory under the system temp folder, removed after this test file. */
export function tempDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `cdk8s-gitops-${prefix}-`));
  made.push(d);
  return d;
}
