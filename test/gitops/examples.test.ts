import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { initWorkflows } from '../examples/init-templates';
import { APP_WORKFLOW, EXAMPLES, GITOPS_WORKFLOW, JENKINSFILE, jenkinsStage, templateName, WORKFLOWS } from '../examples/templates';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { validateWorkflow } = require('@action-validator/core') as typeof import('@action-validator/core');

function errorsOf(file: string, text = fs.readFileSync(file, 'utf8')): string[] {
  return validateWorkflow(text).errors.map(e => `${'path' in e ? e.path : ''} ${e.title}${e.detail ? `: ${e.detail}` : ''}`);
}

describe('CI templates', () => {
  test.each(WORKFLOWS.map(w => [path.relative(EXAMPLES, w)]))('%s is a valid GitHub Actions workflow', rel => {
    expect(errorsOf(path.join(EXAMPLES, rel))).toEqual([]);
  });

  test.each(initWorkflows().map(w => [templateName(w), w]))('%s is a valid GitHub Actions workflow', (_, file) => {
    expect(errorsOf(file)).toEqual([]);
  });

  test('the validator catches a broken workflow (so the check above can fail)', () => {
    const text = fs.readFileSync(APP_WORKFLOW, 'utf8');
    expect(errorsOf(APP_WORKFLOW, text.replace('runs-on: ubuntu-latest', 'runs_on: ubuntu-latest')).length).toBeGreaterThan(0);
    expect(errorsOf(APP_WORKFLOW, text.replace(/^on:/m, 'trigger:')).length).toBeGreaterThan(0);
    expect(errorsOf(APP_WORKFLOW, text.replace('    steps:\n', '    stepz:\n')).length).toBeGreaterThan(0);
  });

  test('the app workflow tests, builds, scans (HIGH/CRITICAL fail), pushes SHA tags, releases to dev, smoke tests and promotes', () => {
    const wf = parse(fs.readFileSync(APP_WORKFLOW, 'utf8'));
    expect(Object.keys(wf.jobs)).toEqual(['test', 'build', 'push', 'release-dev', 'smoke-test', 'promote-prod', 'canary-prod', 'shift-prod-10', 'shift-prod-50', 'release-prod']);
    expect(wf.jobs.push.needs).toBe('build');
    expect(wf.jobs['release-dev'].needs).toBe('push');
    expect(wf.jobs['smoke-test'].needs).toBe('release-dev');
    expect(wf.jobs['promote-prod'].needs).toBe('smoke-test');
    expect(wf.env.TAG).toBe('${{ github.sha }}');
    // build scans the image it built and hands exactly that image to push
    const build = wf.jobs.build.steps;
    const scan = build.findIndex((s: any) => String(s.uses).startsWith('aquasecurity/trivy-action@'));
    expect(build[scan].with).toMatchObject({ severity: 'HIGH,CRITICAL', 'exit-code': '1' });
    const save = build.findIndex((s: any) => s.name === 'Save the scanned image');
    expect(save).toBeGreaterThan(scan);
    expect(build[save + 1].with.name).toBe('image-${{ matrix.service }}');
    expect(wf.jobs.push.steps[0].with.name).toBe('image-${{ matrix.service }}');
    expect(wf.jobs.push.steps.map((s: any) => s.name ?? s.uses.split('@')[0]).slice(-1)).toEqual(['Push the immutable SHA tag']);
    const run = (job: string) => wf.jobs[job].steps.map((s: any) => s.run ?? '').join('\n');
    expect(run('release-dev')).toMatch(/cdk8s-gitops release \\\n\s+--gitops-dir \. --env dev --tag "\$TAG"[\s\S]*--push/);
    expect(run('promote-prod')).toMatch(/cdk8s-gitops promote \\\n\s+--gitops-dir \. --from dev --to prod[\s\S]*--push -o json/);
    expect(run('promote-prod')).toContain('gh pr create');
    // or (vars.PROD_ROLLOUT == 'canary') the canary in prod: each step after the approval of the production environment
    expect(wf.jobs['promote-prod'].if).toBe("vars.PROD_ROLLOUT != 'canary'");
    const canary = ['canary-prod', 'shift-prod-10', 'shift-prod-50', 'release-prod'];
    canary.forEach((job, i) => {
      expect(wf.jobs[job]).toMatchObject({ needs: i === 0 ? 'smoke-test' : canary[i - 1], if: "vars.PROD_ROLLOUT == 'canary'", environment: 'production' });
    });
    expect(run('canary-prod')).toMatch(/cdk8s-gitops release \\\n\s+--gitops-dir \. --env prod --tag "\$TAG" --canary[\s\S]*--push/);
    expect(run('shift-prod-10')).toMatch(/cdk8s-gitops shift \\\n\s+--gitops-dir \. --env prod --service backend --service monitor --weights v2=10\s+\\\n\s+--gate "prometheus=\$PROMETHEUS_URL,[^"]*"[\s\S]*--push/);
    expect(run('shift-prod-50')).toMatch(/--weights v2=50\s+\\\n\s+--gate "prometheus=\$PROMETHEUS_URL,[^"]*"[\s\S]*--push/);
    expect(run('release-prod')).toMatch(/cdk8s-gitops release \\\n\s+--gitops-dir \. --env prod --tag "\$TAG" \\\n/);
    expect(run('release-prod')).not.toContain('--canary');
    // a later step stops when a newer run's canary took over prod
    for (const job of canary.slice(1)) expect(run(job)).toContain('if [ "$canary" != "$TAG" ]; then');
    expect(JSON.stringify(wf)).not.toMatch(/:latest\b/);
  });

  test('the GitOps workflow validates every pull request', () => {
    const wf = parse(fs.readFileSync(GITOPS_WORKFLOW, 'utf8'));
    expect(wf.on.pull_request).toBeDefined();
    const run = wf.jobs.validate.steps.map((s: any) => s.run ?? '').join('\n');
    expect(run).toContain('cdk8s-gitops validate');
    expect(run).toContain('cdk8s-gitops diff --gitops-dir . --app program/main.ts --exit-code');
  });

  test('the Jenkinsfile follows seed 002: test, build, scan, push, release to dev, promote', () => {
    const text = fs.readFileSync(JENKINSFILE, 'utf8');
    const stages = [...text.matchAll(/stage\('([^']+)'\)/g)].map(m => m[1]);
    expect(stages).toEqual(['Build and release', 'Tag', 'Test', 'Build', 'Scan', 'Push', 'Release to dev', 'Approve promotion', 'Promote to prod',
      'Approve canary', 'Canary in prod', 'Approve 10%', 'Shift to 10%', 'Approve 50%', 'Shift to 50%', 'Approve full release', 'Release to prod']);
    expect(text).toContain('trivy image --exit-code 1 --severity HIGH,CRITICAL');
    expect(text).toMatch(/cdk8s-gitops release --gitops-dir \. --env dev \\\n\s+--tag "\$TAG"/);
    expect(text).toContain('cdk8s-gitops promote --gitops-dir . --from dev --to prod');
    // the merge request is opened (not left as a comment), only when promote created a branch,
    // from the branch and into the base promote printed
    const promote = jenkinsStage(text, 'Promote to prod');
    expect(/inGitops '''([\s\S]*?)'''/.exec(promote)![1]).toContain('--push -o json > ../promote.json');
    // the merge request: a step of its own (its label), with the credentials, in the workspace promote.json is in
    const mr = /withCredentials\(\[usernamePassword\(credentialsId: 'gitops-gitlab'[^\n]*\{\s*sh\(label: 'Open the merge request', script: '''([\s\S]*?)'''\)/.exec(promote)![1];
    expect(mr).toMatch(/if \[ "\$\(jq -r \.created promote\.json\)" = true \]; then\s+GITLAB_TOKEN="\$GIT_TOKEN" glab mr create/);
    expect(mr).toContain('--source-branch "$(jq -r .branch promote.json)" --target-branch "$(jq -r .base promote.json)"');
    expect(text).toMatch(/GITOPS_PROJECT\s*=\s*'[^']+'/);
    // Balanced braces: a cheap syntax check without a Groovy parser.
    const code = text.replace(/'''[\s\S]*?'''/g, '').replace(/\/\/.*$/gm, '').replace(/'[^'\n]*'|"[^"\n]*"/g, '');
    expect((code.match(/{/g) ?? []).length).toBe((code.match(/}/g) ?? []).length);
  });
});
