import { MtlsMode, PeerAuthentication } from '../../src/mesh/peer-authentication';
import { find, testChart } from '../util';

describe('PeerAuthentication', () => {
  test('STRICT mTLS by default', () => {
    const t = testChart();
    new PeerAuthentication(t.chart, 'mtls');
    const pa = find(t.app, 'PeerAuthentication', 'default');
    expect(pa.apiVersion).toBe('security.istio.io/v1');
    expect(pa.spec).toEqual({ mtls: { mode: 'STRICT' } });
    const t2 = testChart();
    new PeerAuthentication(t2.chart, 'mtls', { name: 'mtls', mode: MtlsMode.PERMISSIVE });
    expect(find(t2.app, 'PeerAuthentication', 'mtls').spec.mtls.mode).toBe('PERMISSIVE');
  });
});
