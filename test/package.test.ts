import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

describe('package metadata', () => {
  test('LICENSE is the full Apache License 2.0 that package.json names, and ships with the package', () => {
    const license = fs.readFileSync(path.join(ROOT, 'LICENSE'), 'utf8');
    expect(pkg.license).toBe('Apache-2.0');
    expect(license).toMatch(/^\s+Apache License\n\s+Version 2\.0, January 2004\n/);
    for (const section of ['1. Definitions.', '4. Redistribution.', '9. Accepting Warranty or Additional Liability.', 'END OF TERMS AND CONDITIONS', 'APPENDIX: How to apply the Apache License to your work.']) {
      expect(license).toContain(section);
    }
    expect(pkg.files).toContain('LICENSE');
  });

  test('repository, homepage, bugs and keywords for the registry', () => {
    expect(pkg.repository).toEqual({ type: 'git', url: 'git+https://github.com/cdk8s-gitops/cdk8s-gitops.git' });
    expect(pkg.homepage).toMatch(/^https:\/\/github\.com\/cdk8s-gitops\/cdk8s-gitops/);
    expect(pkg.bugs.url).toBe('https://github.com/cdk8s-gitops/cdk8s-gitops/issues');
    expect(pkg.keywords).toEqual(expect.arrayContaining(['cdk8s', 'kubernetes', 'gitops', 'argocd', 'istio']));
  });
});
