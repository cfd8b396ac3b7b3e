import { ApiObject, Duration, JsonPatch, Lazy, Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { ManifestObject } from '../../src/core/manifest-object';

/** What cdk8s's own ApiObject.toJson() renders for the same object. */
const cdk8sJson = (o: ApiObject) => ApiObject.prototype.toJson.call(o);

function props(): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { b: '2', a: '1' }, annotations: { empty: undefined as any } },
    spec: {
      replicas: 2,
      paused: false,
      zero: 0,
      empty: '',
      nothing: null,
      list: [3, { z: 1, a: [null, 'x'] }, []],
      intOrString: k8s.IntOrString.fromString('http'),
      port: k8s.IntOrString.fromNumber(8080),
      quantity: k8s.Quantity.fromString('500m'),
      lazy: Lazy.any({ produce: () => ({ y: Lazy.any({ produce: () => ['nested'] }), x: undefined }) }),
      resolvable: { resolve: () => ({ resolved: true }) },
      duration: Duration.seconds(5).toSeconds(),
    },
  };
}

describe('ManifestObject', () => {
  test('renders exactly what cdk8s ApiObject.toJson() renders (resolvers, sorting, null and undefined dropped)', () => {
    const chart = Testing.chart();
    const o = new ManifestObject(chart, 'o', props());
    expect(o.toJson()).toEqual(cdk8sJson(o));
    expect(JSON.stringify(o.toJson())).toBe(JSON.stringify(cdk8sJson(o))); // same key order
    expect(o.toJson().spec.nothing).toBeUndefined();
  });

  test('metadata added after construction, and JSON patches, are applied like cdk8s does', () => {
    const chart = Testing.chart();
    const o = new ManifestObject(chart, 'o', props());
    o.metadata.addLabel('late', 'yes');
    o.metadata.addAnnotation('argocd.argoproj.io/sync-wave', '-1');
    o.addJsonPatch(JsonPatch.add('/spec/added', { b: 1, a: 2 }), JsonPatch.remove('/spec/zero'));
    expect(o.toJson()).toEqual(cdk8sJson(o));
    expect(o.toJson().metadata.labels.late).toBe('yes');
    expect(o.toJson().spec.zero).toBeUndefined();
  });

  test('with CDK8S_DISABLE_SORT keys keep their order, as in cdk8s', () => {
    const before = process.env.CDK8S_DISABLE_SORT;
    process.env.CDK8S_DISABLE_SORT = 'true';
    try {
      const o = new ManifestObject(Testing.chart(), 'o', props());
      expect(JSON.stringify(o.toJson())).toBe(JSON.stringify(cdk8sJson(o)));
    } finally {
      if (before === undefined) delete process.env.CDK8S_DISABLE_SORT;
      else process.env.CDK8S_DISABLE_SORT = before;
    }
  });

  test('a value cdk8s cannot render fails the same way, naming the construct path', () => {
    const o = new ManifestObject(Testing.chart(), 'o', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { when: new Date(0) } });
    expect(() => o.toJson()).toThrow(/Failed serializing construct at path 'test\/o'.*non-simple object of type 'Date'/);
    expect(() => cdk8sJson(o)).toThrow(/non-simple object of type 'Date'/);
  });
});
