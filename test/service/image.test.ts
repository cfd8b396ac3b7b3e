import { ImageReference } from '../../src/service/image';

describe('ImageReference', () => {
  test.each([
    'nginx:1.27', 'docker.io/bitnami/redis:7.4.2', 'ghcr.io/org/app:fc5c97cdf2f171e43befd38d4e6bf37774937c89',
    'localhost:5000/a/b_c:v1', `app@sha256:${'a'.repeat(64)}`, `reg.example.com/app:1.0@sha256:${'b'.repeat(64)}`,
  ])('accepts pinned %s', (ref) => {
    expect(ImageReference.parse(ref).toString()).toBe(ref);
    expect(ImageReference.parseAt('p', 'image', ref).toString()).toBe(ref);
  });

  test.each([
    ['nginx', 'has no tag or digest'],
    ['nginx:latest', 'uses the mutable tag "latest"'],
    ['Nginx:1.0', 'must be a pinned image reference'],
    ['nginx:-bad', 'must be a pinned image reference'],
    ['ghcr.io//app:1', 'must be a pinned image reference'],
    ['app:1 ', 'must be a pinned image reference'],
  ])('rejects %p: %s', (ref, why) => {
    expect(() => ImageReference.parseAt('dev/shop/web', 'image', ref)).toThrow(`[dev/shop/web] image: ${JSON.stringify(ref)} ${why}`);
    expect(() => ImageReference.parse(ref)).toThrow(`[ImageReference.parse] reference: ${JSON.stringify(ref)} ${why}`);
  });

  test('fromTag checks the repository and the tag separately', () => {
    expect(ImageReference.fromTagAt('p', 'image', 'ghcr.io/org/app', 'tag', 'sha-1234').toString()).toBe('ghcr.io/org/app:sha-1234');
    expect(() => ImageReference.fromTagAt('p', 'image', 'ghcr.io/org/app', 'versions[0].tag', 'latest')).toThrow('versions[0].tag: "latest" is mutable: release an immutable tag');
    expect(() => ImageReference.fromTagAt('p', 'image', 'ghcr.io/org/app', 'tag', 'a/b')).toThrow('tag: "a/b" is not an image tag');
    expect(() => ImageReference.fromTagAt('p', 'image', 'GHCR.io/Org/App!', 'tag', '1')).toThrow('image: "GHCR.io/Org/App!" is not an image repository');
  });

  test('fromTag(repository, tag): the errors name the argument', () => {
    expect(ImageReference.fromTag('ghcr.io/org/app', 'sha-1234').toString()).toBe('ghcr.io/org/app:sha-1234');
    expect(() => ImageReference.fromTag('ghcr.io/org/app', 'latest')).toThrow('[ImageReference.fromTag] tag: "latest" is mutable: release an immutable tag');
    expect(() => ImageReference.fromTag('GHCR.io/Org/App!', '1')).toThrow('[ImageReference.fromTag] repository: "GHCR.io/Org/App!" is not an image repository');
  });
});
