import { ReleaseState } from '../../src/release/release';
import { rollbackSubject } from './on-release-files';

const state = (services: ReleaseState['services'], weights?: ReleaseState['weights']): ReleaseState => ({ environment: 'prod', services, ...(weights ? { weights } : {}) });

describe('rollbackSubject names what a rollback restores and what ran', () => {
  test('every service from one tag to one tag: the tags', () => {
    expect(rollbackSubject('prod', state({ backend: { v1: '1.4.0', v2: '1.5.0' }, web: '1.5.0' }), state({ backend: { v1: '1.3.0', v2: '1.4.0' }, web: '1.4.0' })))
      .toBe('prod: rollback to 1.4.0 (was 1.5.0)');
  });

  test('some services, or different tags: each service that moves', () => {
    expect(rollbackSubject('prod', state({ backend: '1.5.0', web: '2.0.0' }), state({ backend: '1.4.0', web: '2.0.0' })))
      .toBe('prod: rollback backend to 1.4.0 (was 1.5.0)');
    expect(rollbackSubject('prod/prod-eu', state({ a: '2', b: '5' }), state({ a: '1', b: '4' })))
      .toBe('prod/prod-eu: rollback a to 1 (was 2), b to 4 (was 5)');
    expect(rollbackSubject('prod', state({ a: '2', b: '2', c: '2', d: '2', e: '9' }), state({ a: '1', b: '1', c: '1', d: '1', e: '9' })))
      .toBe('prod: rollback a to 1 (was 2), b to 1 (was 2), c to 1 (was 2), and 1 more');
  });

  test('no newest tag moves (a split, an older version): the first change', () => {
    expect(rollbackSubject('prod', state({ backend: { v1: '1', v2: '2' } }, { backend: { v1: 10, v2: 90 } }), state({ backend: { v1: '1', v2: '2' } }, { backend: { v1: 50, v2: 50 } })))
      .toBe('prod: rollback to 2: backend split v1=50% v2=50% (was v1=10% v2=90%)');
    expect(rollbackSubject('prod', state({ backend: { v1: '1', v2: '2' }, web: { v1: '3', v2: '4' } }), state({ backend: { v1: '0', v2: '2' }, web: { v1: '2', v2: '4' } })))
      .toBe('prod: rollback to 2: backend v1 0 (was 1), and 1 more');
  });
});
