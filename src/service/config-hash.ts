import { hashBytes } from '../core/hash';

const ALPHABET = 'bcdfghkmt2456789'; // kustomize's: no vowels, no look-alikes

/**
 * A 10-character suffix derived from a ConfigMap's content, as kustomize's
 * configMapGenerator appends: a content change gives a new name, which changes the pod
 * template that references it, which rolls the pods.
 */
export function contentHash(data: Readonly<Record<string, string>>): string {
  const canonical = JSON.stringify(Object.keys(data).sort().map(k => [k, data[k]]));
  const digest = hashBytes('sha256', canonical);
  let out = '';
  for (let i = 0; i < 10; i++) out += ALPHABET[digest[i] & 0x0f];
  return out;
}
