import { durationSeconds, parseGateFlag, parseGateSettings, readGateSettings, resolveGateSettings, splitGateFlag } from '../../src/gate/gate-settings';

describe('durationSeconds', () => {
  test('Prometheus durations, largest unit first', () => {
    expect(durationSeconds('5m')).toBe(300);
    expect(durationSeconds('1h30m')).toBe(5400);
    expect(durationSeconds('500ms')).toBe(0.5);
    expect(durationSeconds('1w2d')).toBe(9 * 86400);
    expect(durationSeconds('0s')).toBe(0);
    for (const bad of ['', '5', 'm', '30m1h', '1.5m', '5 m', '-5m', '1M']) expect(durationSeconds(bad)).toBeUndefined();
  });
});

describe('resolveGateSettings', () => {
  test('applies the defaults', () => {
    expect(resolveGateSettings({ prometheus: 'http://prometheus:9090' })).toEqual({
      prometheus: 'http://prometheus:9090', window: '5m', maxErrorRatio: 0.01, maxLatency: 0.5, quantile: 0.99, minRequests: 1, timeoutSeconds: 10, metrics: 'app',
    });
  });

  test('refuses bad values, naming the option, the value and what is allowed', () => {
    const base = { prometheus: 'http://p:9090' };
    expect(() => resolveGateSettings({ prometheus: 'prometheus:9090' })).toThrow('prometheus: "prometheus:9090" must be the http:// or https:// base URL of Prometheus');
    for (const url of ['ftp://p', 'http://user:pw@p:9090', 'http://p:9090/?x=1', 'http://p:9090/#a', 'http://p:9090?', '']) {
      expect(() => resolveGateSettings({ prometheus: url })).toThrow(/^prometheus: /);
    }
    expect(() => resolveGateSettings({ ...base, window: '0s' })).toThrow('window: "0s" must be a Prometheus duration greater than 0, such as 30s, 5m or 1h30m');
    expect(() => resolveGateSettings({ ...base, maxErrorRatio: 1.5 })).toThrow('maxErrorRatio: 1.5 must be a number from 0 to 1');
    expect(() => resolveGateSettings({ ...base, maxErrorRatio: NaN })).toThrow('maxErrorRatio: NaN must be');
    expect(() => resolveGateSettings({ ...base, maxLatency: 0 })).toThrow('maxLatency: 0 must be a number of seconds greater than 0');
    expect(() => resolveGateSettings({ ...base, quantile: 1 })).toThrow('quantile: 1 must be a number between 0 and 1, exclusive');
    expect(() => resolveGateSettings({ ...base, minRequests: 0.5 })).toThrow('minRequests: 0.5 must be a whole number of at least 1');
    expect(() => resolveGateSettings({ ...base, timeoutSeconds: 0 })).toThrow('timeoutSeconds: 0 must be a number of seconds');
    expect(() => resolveGateSettings({ ...base, quantile: '0.9' as any })).toThrow('quantile: "0.9" must be');
  });
});

describe('parseGateSettings (the flags of `gate`)', () => {
  const name = (key: string) => `--${key}`;
  test('numbers, and seconds or durations for latency and timeout', () => {
    expect(parseGateSettings({ 'prometheus': 'https://prom.example/prometheus/', 'window': '10m', 'max-error-ratio': '0.05', 'max-latency': '300ms', 'quantile': '.95', 'min-requests': '100', 'timeout': '1m' }, name)).toEqual({
      prometheus: 'https://prom.example/prometheus/', window: '10m', maxErrorRatio: 0.05, maxLatency: 0.3, quantile: 0.95, minRequests: 100, timeoutSeconds: 60, metrics: 'app',
    });
    expect(parseGateSettings({ 'prometheus': 'http://p:9090', 'max-latency': '1.5', 'max-error-ratio': '1e-3', 'window': undefined }, name)).toMatchObject({ maxLatency: 1.5, maxErrorRatio: 0.001, window: '5m' });
  });

  test('errors name the flag and quote the text', () => {
    expect(() => parseGateSettings({}, name)).toThrow('--prometheus is required: the base URL of Prometheus, such as http://prometheus:9090');
    expect(() => parseGateSettings({ 'prometheus': 'http://p', 'max-error-ratio': '1%' }, name)).toThrow('--max-error-ratio: "1%" must be a number from 0 to 1 (0.01 = 1% of requests)');
    expect(() => parseGateSettings({ 'prometheus': 'http://p', 'max-error-ratio': '' }, name)).toThrow('--max-error-ratio: "" must be');
    expect(() => parseGateSettings({ 'prometheus': 'http://p', 'max-error-ratio': '2' }, name)).toThrow('--max-error-ratio: 2 must be a number from 0 to 1');
    expect(() => parseGateSettings({ 'prometheus': 'http://p', 'quantile': '300ms' }, name)).toThrow('--quantile: "300ms" must be a number between 0 and 1');
    expect(() => parseGateSettings({ 'prometheus': 'http://p', 'min-requests': '-1' }, name)).toThrow('--min-requests: -1 must be a whole number of at least 1');
    expect(() => parseGateSettings({ prometheus: 'http://p', window: '5' }, name)).toThrow('--window: "5" must be a Prometheus duration');
    expect(() => parseGateSettings({ prometheus: 'http://p', windw: '5m' }, name)).toThrow('--windw: unknown setting (allowed: prometheus, window, max-error-ratio, max-latency, quantile, min-requests, timeout, metrics, token-env, basic-auth-env, header-env)');
  });
});

describe('parseGateFlag (the value of `--gate`)', () => {
  test('comma-separated key=value settings with defaults for the rest', () => {
    expect(parseGateFlag('prometheus=http://prometheus.monitoring:9090')).toEqual({
      prometheus: 'http://prometheus.monitoring:9090', window: '5m', maxErrorRatio: 0.01, maxLatency: 0.5, quantile: 0.99, minRequests: 1, timeoutSeconds: 10, metrics: 'app',
    });
    expect(parseGateFlag('prometheus=http://p:9090, window=10m ,max-error-ratio=0.02,max-latency=1s,quantile=0.95,min-requests=20,timeout=5')).toEqual({
      prometheus: 'http://p:9090', window: '10m', maxErrorRatio: 0.02, maxLatency: 1, quantile: 0.95, minRequests: 20, timeoutSeconds: 5, metrics: 'app',
    });
  });

  test('errors name the flag and the key', () => {
    expect(() => parseGateFlag('http://p:9090')).toThrow('--gate: "http://p:9090" in "http://p:9090" is not key=value (e.g. prometheus=http://prometheus:9090,window=5m,max-error-ratio=0.01)');
    expect(() => parseGateFlag('prometheus=http://p:9090,,window=5m')).toThrow('--gate: "" in');
    expect(() => parseGateFlag('window=5m')).toThrow('--gate prometheus is required');
    expect(() => parseGateFlag('prometheus=http://a,prometheus=http://b')).toThrow('--gate: "prometheus" is given twice');
    expect(() => parseGateFlag('prometheus=http://p,max-latency=fast', '--canary-gate')).toThrow('--canary-gate max-latency: "fast" must be a number of seconds greater than 0, or a duration such as 500ms');
    expect(() => parseGateFlag('prometheus=http://p,error-ratio=0.1')).toThrow('--gate error-ratio: unknown setting (allowed: prometheus, window, max-error-ratio, max-latency, quantile, min-requests, timeout, metrics, token-env, basic-auth-env, header-env)');
    expect(() => parseGateFlag('prometheus=')).toThrow('--gate prometheus: "" must be the http:// or https:// base URL of Prometheus');
  });
});

describe('the settings given (readGateSettings, splitGateFlag): for a gate whose thresholds an objective sets', () => {
  test('only the keys given, numbers and durations read, no defaults', () => {
    const name = (key: string) => `--gate ${key}`;
    expect(readGateSettings({ 'prometheus': 'http://p:9090', 'max-latency': '300ms', 'window': '10m' }, name)).toEqual({ prometheus: 'http://p:9090', maxLatency: 0.3, window: '10m' });
    expect(readGateSettings({ 'prometheus': 'http://p:9090', 'token-env': 'TOKEN', 'min-requests': '20' }, name)).toEqual({ prometheus: 'http://p:9090', tokenEnv: 'TOKEN', minRequests: 20 });
    // the form is refused at once; the ranges by resolveGateSettings
    expect(() => readGateSettings({ window: '5m' }, name)).toThrow('--gate prometheus is required');
    expect(() => readGateSettings({ 'prometheus': 'http://p', 'max-error-ratio': 'lots' }, name)).toThrow('--gate max-error-ratio: "lots" must be a number from 0 to 1');
    expect(() => readGateSettings({ prometheus: 'http://p', slo: 'x' }, name)).toThrow('--gate slo: unknown setting');
    const given = readGateSettings({ 'prometheus': 'http://p', 'quantile': '2' }, name);
    expect(given).toEqual({ prometheus: 'http://p', quantile: 2 });
    expect(() => resolveGateSettings(given, (_, key) => name(key))).toThrow('--gate quantile: 2 must be a number between 0 and 1, exclusive');
  });

  test('splitGateFlag: the texts by key and the bare words allowed, in order', () => {
    expect(splitGateFlag('slo, prometheus=http://p:9090,window=10m', '--gate', ['slo'])).toEqual({ texts: { prometheus: 'http://p:9090', window: '10m' }, words: ['slo'] });
    expect(splitGateFlag('prometheus=http://p:9090', '--gate', ['slo'])).toEqual({ texts: { prometheus: 'http://p:9090' }, words: [] });
    // a word is only a word where it is allowed, and only once
    expect(() => splitGateFlag('slo,prometheus=http://p', '--gate')).toThrow('--gate: "slo" in "slo,prometheus=http://p" is not key=value');
    expect(() => splitGateFlag('slo,prometheus=http://p,slo', '--gate', ['slo'])).toThrow('--gate: "slo" is given twice in "slo,prometheus=http://p,slo"');
    // slo=VALUE is a key, for the caller to refuse
    expect(splitGateFlag('slo=backend,prometheus=http://p', '--gate', ['slo']).texts).toEqual({ slo: 'backend', prometheus: 'http://p' });
    // the parse of --gate is the same without words
    expect(parseGateFlag('prometheus=http://p:9090,window=1m')).toEqual(parseGateSettings(splitGateFlag('prometheus=http://p:9090,window=1m', '--gate').texts, key => `--gate ${key}`));
  });
});

describe('the metrics and the credentials of a gate', () => {
  test('metrics app or istio; credentials as names of environment variables', () => {
    expect(parseGateFlag('prometheus=http://p:9090,metrics=istio,token-env=PROM_TOKEN,header-env=PROM_TENANT')).toMatchObject({ metrics: 'istio', tokenEnv: 'PROM_TOKEN', headerEnv: 'PROM_TENANT' });
    expect(parseGateFlag('prometheus=http://p:9090,basic-auth-env=PROM_AUTH')).toMatchObject({ metrics: 'app', basicAuthEnv: 'PROM_AUTH' });
    expect(parseGateFlag('prometheus=http://p:9090')).not.toHaveProperty('tokenEnv');
    expect(() => parseGateFlag('prometheus=http://p:9090,metrics=linkerd')).toThrow('--gate metrics: "linkerd" must be one of app, istio (the metrics the default queries read)');
    expect(() => parseGateFlag('prometheus=http://p:9090,token-env=ghp_abc-123')).toThrow('--gate token-env: "ghp_abc-123" must be the name of an environment variable (letters, digits, _), such as PROMETHEUS_TOKEN: the value is read from there, never given on the command line');
    expect(() => parseGateFlag('prometheus=http://p:9090,token-env=A,basic-auth-env=B')).toThrow('--gate basic-auth-env: not with --gate token-env: both are the Authorization header; give one');
  });

  test('a URL with credentials is refused without showing them', () => {
    for (const url of ['http://admin:hunter2@prom:9090', 'http://hunter2@prom:9090', 'http://prom:9090/?token=hunter2', 'http://admin:hun ter2@prom:9090']) {
      let message = '';
      try {
        parseGateFlag(`prometheus=${url}`);
      } catch (e: any) {
        message = e.message;
      }
      expect(message).toMatch(/^--gate prometheus: "http:\/\/prom:9090\/?" must be the http:\/\/ or https:\/\/ base URL of Prometheus/);
      expect(message).not.toContain('hun');
    }
    expect(() => parseGateFlag('prometheus=http://a:hunter2@p,window')).toThrow(/^--gate: "window" in "p,window" is not key=value/);
  });
});
