import { App, Chart, Duration } from 'cdk8s';
import { CreationPolicy, DataFrom, EnvValue, ExternalSecret, SecretStoreRef, validateManifests, WebService } from '../../src';
import { find, testChart } from '../util';

const store = SecretStoreRef.clusterSecretStore('vault');

describe('ExternalSecret', () => {
  test('renders external-secrets.io/v1 with the defaults: refresh 1h, target = its name, creationPolicy Owner', () => {
    const t = testChart();
    const es = new ExternalSecret(t.chart, 'db', { name: 'db', store, data: { DATABASE_PASSWORD: { key: 'shop/db', property: 'password' }, DATABASE_USER: { key: 'shop/db', property: 'user', version: '3' } } });
    const o = find(t.app, 'ExternalSecret', 'db');
    expect(o).toMatchSnapshot();
    expect(o.apiVersion).toBe('external-secrets.io/v1');
    expect(o.metadata.namespace).toBe('shop-dev');
    expect(o.spec).toEqual({
      refreshInterval: '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault' },
      target: { name: 'db', creationPolicy: 'Owner' },
      data: [
        { secretKey: 'DATABASE_PASSWORD', remoteRef: { key: 'shop/db', property: 'password' } },
        { secretKey: 'DATABASE_USER', remoteRef: { key: 'shop/db', property: 'user', version: '3' } },
      ],
    });
    expect([es.name, es.targetName, es.keys, es.knownKeys, es.creationPolicy]).toEqual(['db', 'db', ['DATABASE_PASSWORD', 'DATABASE_USER'], ['DATABASE_PASSWORD', 'DATABASE_USER'], CreationPolicy.OWNER]);
    expect(validateManifests(t.app.manifests()).findings).toEqual([]);
  });

  test('a SecretStore, dataFrom extract and find, target name, creation policy, refresh interval', () => {
    const t = testChart();
    const es = new ExternalSecret(t.chart, 'all', {
      name: 'all',
      store: SecretStoreRef.secretStore('team-store'),
      refreshInterval: Duration.minutes(15),
      targetName: 'all-secrets',
      creationPolicy: CreationPolicy.ORPHAN,
      dataFrom: [DataFrom.extract('shop/all', { keys: ['A', 'B'] }), DataFrom.find({ path: 'shop/', nameRegexp: '^feature-', tags: { team: 'shop' }, keys: ['feature-x'] })],
    });
    expect(find(t.app, 'ExternalSecret', 'all').spec).toEqual({
      refreshInterval: '15m',
      secretStoreRef: { kind: 'SecretStore', name: 'team-store' },
      target: { name: 'all-secrets', creationPolicy: 'Orphan' },
      dataFrom: [{ extract: { key: 'shop/all' } }, { find: { path: 'shop/', name: { regexp: '^feature-' }, tags: { team: 'shop' } } }],
    });
    expect(es.knownKeys).toEqual(['A', 'B', 'feature-x']);
    expect(es.keys).toEqual([]);
  });

  test('getters return copies', () => {
    const t = testChart();
    const es = new ExternalSecret(t.chart, 'db', { name: 'db', store, data: { A: { key: 'k' } }, dataFrom: [DataFrom.extract('x', { keys: ['B'] })] });
    es.keys.push('X');
    es.knownKeys.push('X');
    es.dataFrom.pop();
    es.dataFrom[0].keys.push('X');
    expect([es.keys, es.knownKeys, es.dataFrom.length]).toEqual([['A'], ['A', 'B'], 1]);
  });

  test('works in a plain cdk8s chart', () => {
    const chart = new Chart(new App(), 'c', { namespace: 'shop' });
    new ExternalSecret(chart, 'db', { name: 'db', store, data: { A: { key: 'k' } } });
    expect(chart.toJson()[0].metadata).toEqual({ name: 'db', namespace: 'shop' });
  });

  test.each<[string, () => unknown, string]>([
    ['neither data nor dataFrom', () => new ExternalSecret(testChart().chart, 'es', { name: 'es', store, data: {} }), '[shop-dev/es] data: {} must map at least one key, or dataFrom must list a source'],
    ['a bad Secret key', () => new ExternalSecret(testChart().chart, 'es', { name: 'es', store, data: { 'a key': { key: 'k' } } }), '[shop-dev/es] data.a key: "a key" is not a valid Secret key'],
    ['an empty remote key', () => new ExternalSecret(testChart().chart, 'es', { name: 'es', store, data: { A: { key: '' } } }), '[shop-dev/es] data.A.key: "" must be a non-empty remote secret key'],
    ['an empty property', () => new ExternalSecret(testChart().chart, 'es', { name: 'es', store, data: { A: { key: 'k', property: '' } } }), '[shop-dev/es] data.A.property: "" must be a non-empty string when set'],
    ['a bad name', () => new ExternalSecret(testChart().chart, 'es', { name: 'DB', store, data: { A: { key: 'k' } } }), '[shop-dev/es] name: "DB" is not a DNS-1123 subdomain'],
    ['a store given as a string', () => new ExternalSecret(testChart().chart, 'es', { name: 'es', store: 'vault' as any, data: { A: { key: 'k' } } }), '[shop-dev/es] store: "vault" must be a SecretStoreRef'],
    ['a zero refresh interval', () => new ExternalSecret(testChart().chart, 'es', { name: 'es', store, refreshInterval: Duration.seconds(0), data: { A: { key: 'k' } } }), '[shop-dev/es] refreshInterval: "0ms" must be a positive whole number of milliseconds'],
    ['a bad store name', () => SecretStoreRef.secretStore('Vault'), '[SecretStoreRef] secretStore.name: "Vault" is not a DNS-1123 subdomain'],
    ['find without a filter', () => DataFrom.find({ path: 'shop/' }), '[DataFrom] find: {"path":"shop/"} must set nameRegexp or tags'],
    ['find with a bad regexp', () => DataFrom.find({ nameRegexp: '(' }), '[DataFrom] find.nameRegexp: "(" is not a regular expression'],
    ['extract of an empty key', () => DataFrom.extract(''), '[DataFrom] extract.key: "" must be a non-empty remote secret key'],
    ['a bad declared key', () => DataFrom.extract('k', { keys: ['a/b'] }), '[DataFrom] extract.keys[0]: "a/b" is not a valid Secret key'],
  ])('refuses %s', (_d, build, message) => {
    expect(build).toThrow(message);
  });
});

describe('EnvValue.fromExternalSecret', () => {
  test('derives the Secret name and key, and the Deployment\'s reference cross-checks', () => {
    const t = testChart();
    const es = new ExternalSecret(t.chart, 'db', { name: 'db', store, targetName: 'db-credentials', data: { DATABASE_PASSWORD: { key: 'shop/db', property: 'password' } } });
    new WebService(t.chart, 'api', { name: 'api', image: 'ghcr.io/org/api:1.0.0', env: { DATABASE_PASSWORD: EnvValue.fromExternalSecret(es, 'DATABASE_PASSWORD') } });
    const env = find(t.app, 'Deployment', 'api').spec.template.spec.containers[0].env;
    expect(env).toEqual([{ name: 'DATABASE_PASSWORD', valueFrom: { secretKeyRef: { name: 'db-credentials', key: 'DATABASE_PASSWORD' } } }]);
    expect(validateManifests(t.app.manifests()).findings).toEqual([]);
  });

  test('refuses a key the ExternalSecret does not produce, naming its keys', () => {
    const es = new ExternalSecret(testChart().chart, 'db', { name: 'db', store, data: { DATABASE_PASSWORD: { key: 'k' } } });
    expect(() => EnvValue.fromExternalSecret(es, 'DB_PASSWORD')).toThrow(
      '[EnvValue] fromExternalSecret.key: "DB_PASSWORD" is not a key of ExternalSecret shop-dev/db (Secret "db"): its keys are ["DATABASE_PASSWORD"]');
  });

  test('with dataFrom: only the keys declared on the sources, and says so', () => {
    const es = new ExternalSecret(testChart().chart, 'db', { name: 'db', store, dataFrom: [DataFrom.extract('shop/db', { keys: ['password'] })] });
    expect(EnvValue.fromExternalSecret(es, 'password').toJson('P')).toEqual({ name: 'P', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } });
    expect(() => EnvValue.fromExternalSecret(es, 'user')).toThrow('its keys are ["password"]; its dataFrom keys are known only at runtime: declare the ones you use with DataFrom.extract(key, { keys: [...] })');
  });

  test('refuses an ExternalSecret that writes no Secret', () => {
    const es = new ExternalSecret(testChart().chart, 'db', { name: 'db', store, creationPolicy: CreationPolicy.NONE, data: { A: { key: 'k' } } });
    expect(() => EnvValue.fromExternalSecret(es, 'A')).toThrow('[EnvValue] fromExternalSecret.key: "shop-dev/db" is an ExternalSecret with creationPolicy None');
  });

  test('a WebService refuses an ExternalSecret of another namespace', () => {
    const t = testChart();
    const other = new Chart(t.app, 'other', { namespace: 'billing' });
    const es = new ExternalSecret(other, 'db', { name: 'db', store, data: { A: { key: 'k' } } });
    expect(() => new WebService(t.chart, 'api', { name: 'api', image: 'ghcr.io/org/api:1.0.0', env: { A: EnvValue.fromExternalSecret(es, 'A') } }))
      .toThrow('[shop-dev/api] env.A: "other/db" is an ExternalSecret in namespace "billing": pods of "shop-dev" can only use Secrets of their own namespace');
    const svc = new WebService(t.chart, 'web', { name: 'web', image: 'ghcr.io/org/web:1.0.0', versions: [{ name: 'v1' }] });
    expect(() => svc.addEnv('A', EnvValue.fromExternalSecret(es, 'A'))).toThrow('addEnv("A"): "other/db" is an ExternalSecret in namespace "billing"');
  });
});

describe('WebService secretEnv', () => {
  test('every key of the ExternalSecret\'s Secret through envFrom, after the config', () => {
    const t = testChart();
    const es = new ExternalSecret(t.chart, 'db', { name: 'db', store, data: { DATABASE_PASSWORD: { key: 'k' } }, dataFrom: [DataFrom.extract('extra', { keys: ['API_FLAGS'] })] });
    new WebService(t.chart, 'api', { name: 'api', image: 'ghcr.io/org/api:1.0.0', config: { LOG_LEVEL: 'info' }, secretEnv: [es] });
    const c = find(t.app, 'Deployment', 'api').spec.template.spec.containers[0];
    expect(c.envFrom).toEqual([{ configMapRef: { name: expect.stringMatching(/^api-config-/) } }, { secretRef: { name: 'db' } }]);
    expect(validateManifests(t.app.manifests()).findings).toEqual([]);
  });

  test.each<[string, (t: ReturnType<typeof testChart>) => ExternalSecret[], string]>([
    ['a key that is no variable name', t => [new ExternalSecret(t.chart, 'db', { name: 'db', store, data: { '1password': { key: 'k' } } })], 'secretEnv[0] key "1password": "1password" is not a valid environment variable name'],
    ['the same Secret twice', t => {
      const es = new ExternalSecret(t.chart, 'db', { name: 'db', store, data: { A: { key: 'k' } } });
      return [es, es];
    }, 'secretEnv: ["db","db"] must not repeat a Secret'],
    ['creationPolicy None', t => [new ExternalSecret(t.chart, 'db', { name: 'db', store, creationPolicy: CreationPolicy.NONE, data: { A: { key: 'k' } } })], 'secretEnv[0]: "shop-dev/db" is an ExternalSecret with creationPolicy None'],
  ])('refuses %s', (_d, secrets, message) => {
    const t = testChart();
    const list = secrets(t);
    expect(() => new WebService(t.chart, 'api', { name: 'api', image: 'ghcr.io/org/api:1.0.0', secretEnv: list })).toThrow(`[shop-dev/api] ${message}`);
  });
});

describe('schemas of the day-2 kinds are strict', () => {
  test('an unknown field in an ExternalSecret or a ServiceMonitor is a finding; a wrong enum too', () => {
    const t = testChart();
    new ExternalSecret(t.chart, 'db', { name: 'db', store, data: { A: { key: 'k' } } });
    new WebService(t.chart, 'api', { name: 'api', image: 'ghcr.io/org/api:1.0.0', metrics: { serviceMonitor: {} } });
    const ms = t.app.manifests();
    const es = ms.find(m => m.object.kind === 'ExternalSecret')!.object;
    const sm = ms.find(m => m.object.kind === 'ServiceMonitor')!.object;
    es.spec.data[0].remoteRef.propery = 'password';
    es.spec.target.creationPolicy = 'Always';
    sm.spec.endpoints[0].intervall = '1m';
    const found = validateManifests(ms).findings.map(f => `${f.rule} ${f.kind} ${f.field}: ${f.message}`).sort();
    expect(found).toEqual([
      'SCHEMA-UNKNOWN-FIELD ExternalSecret spec.data[0].remoteRef.propery: unknown field "propery" (did you mean "property"?)',
      'SCHEMA-INVALID ExternalSecret spec.target.creationPolicy: "Always" is not allowed: expected one of "Owner", "Orphan", "Merge", "None"',
      'SCHEMA-UNKNOWN-FIELD ServiceMonitor spec.endpoints[0].intervall: unknown field "intervall" (did you mean "interval"?)',
    ].sort());
  });
});
