import { Quantity } from '../../src/model/quantity';

describe('Quantity', () => {
  test.each([
    ['0.5', '500m'], [0.5, '500m'], ['500m', '500m'], ['1000m', '1'], ['1', '1'], [2, '2'], ['1.5', '1500m'],
    ['256Mi', '256Mi'], ['1024Mi', '1Gi'], ['0.5Gi', '512Mi'], ['1500Mi', '1500Mi'], ['1G', '1G'], ['1000M', '1G'],
    ['128974848', '128974848'], ['1000', '1k'], ['0', '0'], ['0.1m', '100u'], ['512', '512'], ['1e3', '1e3'],
  ])('%p is written canonically as %p', (input, expected) => {
    expect(Quantity.parse(input).toString()).toBe(expected);
    expect(Quantity.parseAt('x', 'cpu', input).toString()).toBe(expected);
  });

  test.each(['-1', 'abc', '1.2.3', '5 Mi', '', '1mi', '1KB'])('rejects %p naming the field and value', (bad) => {
    expect(() => Quantity.parseAt('app/svc', 'resources.cpu.limit', bad)).toThrow(`[app/svc] resources.cpu.limit: ${JSON.stringify(bad)} is not a Kubernetes quantity`);
    expect(() => Quantity.parse(bad)).toThrow(`[Quantity.parse] value: ${JSON.stringify(bad)} is not a Kubernetes quantity`);
  });

  test('compares exactly across suffixes', () => {
    expect(Quantity.parse('1Gi').compare(Quantity.parse('1024Mi'))).toBe(0);
    expect(Quantity.parse('0.5').compare(Quantity.parse('501m'))).toBe(-1);
    expect(Quantity.parse('1G').compare(Quantity.parse('1Gi'))).toBe(-1);
  });
});
