import { DEFAULT_QUERIES } from '../../src/gate/gate';
import { checkQueryTemplate, escapeLabelValue, renderQuery, selector } from '../../src/gate/promql';

const values = { service: 'demo', version: 'v2', window: '5m', quantile: 0.99 };

describe('escapeLabelValue', () => {
  test('escapes backslash, double quote and control characters as PromQL (Go) strings take them', () => {
    expect(escapeLabelValue('plain-v1.2')).toBe('plain-v1.2');
    expect(escapeLabelValue('a"b')).toBe('a\\"b');
    expect(escapeLabelValue('a\\b')).toBe('a\\\\b');
    expect(escapeLabelValue('a\nb\tc\u0001')).toBe('a\\nb\\tc\\u0001');
    expect(escapeLabelValue("it's {x}")).toBe("it's {x}");
  });
});

describe('selector', () => {
  test('matches app and version, and namespace only when given', () => {
    expect(selector(values)).toBe('app="demo",version="v2"');
    expect(selector({ ...values, namespace: 'shop' })).toBe('app="demo",version="v2",namespace="shop"');
    expect(selector({ service: 'a"b', version: 'v\\1', namespace: 'n\n' })).toBe('app="a\\"b",version="v\\\\1",namespace="n\\n"');
  });
});

describe('renderQuery', () => {
  test('the default queries', () => {
    expect(renderQuery(DEFAULT_QUERIES.requests, values)).toBe('sum(increase(app_requests_total{app="demo",version="v2"}[5m]))');
    expect(renderQuery(DEFAULT_QUERIES.errorRatio, { ...values, namespace: 'shop' })).toBe(
      '(sum(rate(app_requests_total{app="demo",version="v2",namespace="shop",status=~"5.."}[5m])) or vector(0))'
      + ' / sum(rate(app_requests_total{app="demo",version="v2",namespace="shop"}[5m]))');
    expect(renderQuery(DEFAULT_QUERIES.latency, { ...values, quantile: 0.9, window: '1h30m' })).toBe(
      'histogram_quantile(0.9, sum by (le) (rate(app_request_duration_seconds_bucket{app="demo",version="v2"}[1h30m])))');
  });

  test('substitutes every placeholder, escaping label values, and leaves PromQL braces and regex quantifiers alone', () => {
    const template = 'sum(rate(istio_requests_total{destination_app="{service}",destination_version="{version}",ns="{namespace}",response_code=~"5\\\\d{2}"}[{window}])) > {quantile}';
    expect(renderQuery(template, { ...values, service: 'x"}', namespace: 'n\\s' })).toBe(
      'sum(rate(istio_requests_total{destination_app="x\\"}",destination_version="v2",ns="n\\\\s",response_code=~"5\\\\d{2}"}[5m])) > 0.99');
  });
});

describe('checkQueryTemplate', () => {
  test('accepts known placeholders; {namespace} only with a namespace', () => {
    expect(checkQueryTemplate('--latency-query', DEFAULT_QUERIES.latency, false)).toBe(DEFAULT_QUERIES.latency);
    expect(checkQueryTemplate('q', 'up{ns="{namespace}"}', true)).toBe('up{ns="{namespace}"}');
  });

  test('refuses unknown placeholders, {namespace} without a namespace and blank queries, naming the field', () => {
    expect(() => checkQueryTemplate('--error-ratio-query', 'sum(x{app="{servce}"})', false)).toThrow(
      '--error-ratio-query: unknown placeholder {servce} in "sum(x{app=\\"{servce}\\"})" (allowed: {service}, {version}, {namespace}, {window}, {quantile}, {selector})');
    expect(() => checkQueryTemplate('--requests-query', 'up{ns="{namespace}"}', false)).toThrow(
      '--requests-query: "up{ns=\\"{namespace}\\"}" uses {namespace} but no namespace was given');
    expect(() => checkQueryTemplate('latencyQuery', ' ', false)).toThrow('latencyQuery: " " must be a PromQL query');
  });
});
