import * as crypto from 'crypto';

/** Node >= 20.12's one-shot hashing: about 3x faster than a Hash object for small inputs. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex' | 'buffer') => string | Buffer }).hash;

/** The `algorithm` digest (`sha1`, `sha256`) of the UTF-8 bytes of `data`, as hex. */
export function hashHex(algorithm: string, data: string): string {
  return oneShot ? oneShot(algorithm, data, 'hex') as string : crypto.createHash(algorithm).update(data, 'utf8').digest('hex');
}

/** The `algorithm` digest of the UTF-8 bytes of `data`, as bytes. */
export function hashBytes(algorithm: string, data: string): Buffer {
  return oneShot ? oneShot(algorithm, data, 'buffer') as Buffer : crypto.createHash(algorithm).update(data, 'utf8').digest();
}
