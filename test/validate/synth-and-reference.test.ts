import * as fs from 'fs';
import * as path from 'path';
import { ApiObject } from 'cdk8s';
import { GitOpsApp } from '../../src/app/gitops-app';
import { RepositoryChart } from '../../src/model/repository-chart';
import { createApp } from '../../reference/main';
import { synthesize } from '../../src/app/synth';
import { assertValid, formatText, validateDirectory, validateManifests, ValidationError } from '../../src/validate';
import { goodPlatform } from './fixtures';
import { tempDir } from '../temp-dir';

/** A GitOpsApp holding the known-good platform (one RepositoryChart per folder). */
function platformApp(breakIt?: (o: Record<string, any>) => void): GitOpsApp {
  const app = new GitOpsApp();
  const charts = new Map<string, RepositoryChart>();
  for (const m of goodPlatform()) {
    if (m.object.kind === 'Release') continue;
    const folder = m.path.split('/').slice(0, -1).join('/');
    let chart = charts.get(folder);
    if (!chart) charts.set(folder, chart = new RepositoryChart(app, folder.replace(/\//g, '-'), { path: folder }));
    breakIt?.(m.object);
    const { apiVersion, kind, metadata, ...rest } = m.object;
    new ApiObject(chart, `${kind}-${metadata.name}`, { apiVersion, kind, metadata, ...rest });
  }
  return app;
}

describe('synth runs the same checks', () => {
  test('a clean app is written', () => {
    const out = tempDir('vsynth');
    const result = synthesize(platformApp(), out);
    expect(result.files).toContain('dev/ab-testing/deployment-backend-v1.yaml');
    expect(validateDirectory(out).findings).toEqual([]);
  });

  test('on any finding synth throws, listing the findings, and writes nothing', () => {
    const out = path.join(tempDir('vsynth'), 'dist');
    const app = platformApp(o => {
      if (o.kind === 'Deployment' && o.metadata.name === 'frontend') o.spec.template.spec.containers[0].securityContext.privileged = true;
    });
    let error: unknown;
    try {
      synthesize(app, out);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toBe([
      'Manifest validation failed with 1 finding(s):',
      '  dev/ab-testing/deployment-frontend.yaml: Deployment/frontend: PSS-PRIVILEGED: spec.template.spec.containers[0].securityContext.privileged: container "frontend" is privileged; remove privileged: true',
    ].join('\n'));
    expect(fs.existsSync(out)).toBe(false);
  });

  test('assertValid returns the report when clean (waivers included)', () => {
    expect(assertValid(goodPlatform()).ok).toBe(true);
  });
});

describe('the reference output', () => {
  test('validates with 0 findings', () => {
    const report = validateManifests(createApp().manifests());
    expect(formatText(report)).toMatch(/^OK: 0 findings, 0 waived, in \d+ objects/);
    expect(report.objects).toBeGreaterThan(50);
  });
});
