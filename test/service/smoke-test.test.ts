import { SmokeTest } from '../../src/service/smoke-test';
import { find, podSpecs, restrictedViolations, testChart } from '../util';

describe('SmokeTest', () => {
  test('a hardened PostSync hook Job with a hook-delete-policy and a hashed script ConfigMap', () => {
    const t = testChart();
    const s = new SmokeTest(t.chart, 'smoke', { script: 'echo ok\n', env: { URL: 'http://x' }, waitFor: { web: 'http://x/app' }, hostHeader: 'shop.example.com' });
    const job = find(t.app, 'Job', 'smoke-test');
    expect(job.metadata.annotations).toEqual({ 'argocd.argoproj.io/hook': 'PostSync', 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation,HookSucceeded' });
    const pod = job.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.serviceAccountName).toBe(s.serviceAccountName);
    expect(restrictedViolations(pod)).toEqual([]);
    expect(pod.initContainers[0].command[2]).toContain("wait_for 'web' 'http://x/app'");
    expect(pod.containers[0].env).toEqual([{ name: 'URL', value: 'http://x' }, { name: 'HOST_HEADER', value: 'shop.example.com' }]);
    const cm = pod.volumes.find((v: any) => v.configMap).configMap.name;
    expect(find(t.app, 'ConfigMap', cm).data).toEqual({ 'smoke-test.sh': 'echo ok\n' });
    expect(podSpecs(t.app)).toHaveLength(1);
  });

  test('bad input', () => {
    const t = testChart();
    expect(() => new SmokeTest(t.chart, 's', { script: ' ' })).toThrow('[shop-dev/s] script: " " must be a non-empty shell script');
    expect(() => new SmokeTest(t.chart, 's2', { script: 'x', image: 'alpine:latest' })).toThrow('[shop-dev/s2] image: "alpine:latest" uses the mutable tag "latest"');
    expect(() => new SmokeTest(t.chart, 's3', { script: 'x', runAsUser: 0 })).toThrow('[shop-dev/s3] runAsUser: 0 is root');
  });
});
