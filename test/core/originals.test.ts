import { everyConstruct } from '../fixtures/every-construct';
import { withOriginals } from '../util';
import { createApp } from '../../reference/main';
import { FastCopy, useOriginals } from '../../src/core/originals';

const COPIES: FastCopy[] = ['yaml-emitter', 'schema-bundle'];

describe('useOriginals', () => {
  test('unset, empty or 0: every fast copy in use; 1: none; a list: the named ones give way', () => {
    for (const off of [undefined, '', '0']) expect(withOriginals(off, () => COPIES.filter(c => useOriginals(c)))).toEqual([]);
    expect(withOriginals('1', () => COPIES.filter(c => useOriginals(c)))).toEqual(COPIES);
    expect(withOriginals('yaml-emitter, schema-bundle', () => COPIES.filter(c => useOriginals(c)))).toEqual(['yaml-emitter', 'schema-bundle']);
    expect(withOriginals('yaml', () => COPIES.filter(c => useOriginals(c)))).toEqual([]); // names, not prefixes
  });
});

describe('the fast copies against the originals', () => {
  test.each([
    ['the reference app', () => createApp()],
    ['every construct with its options on', () => everyConstruct()],
  ])('%s: every file byte-identical with CDK8S_GITOPS_ORIGINALS=1', (_name, make) => {
    const fast = withOriginals(undefined, () => make().files());
    const originals = withOriginals('1', () => make().files());
    expect([...originals.keys()]).toEqual([...fast.keys()]);
    for (const [file, text] of fast) expect([file, originals.get(file)]).toEqual([file, text]);
    expect(fast.size).toBeGreaterThan(30);
  });
});
