/**
 * Jest transform: TypeScript through esbuild, transpile only (no type check), so the 1.5 MB of
 * generated imports are never type-checked per test run (`npm run typecheck` does that once).
 */
'use strict';
const esbuild = require('esbuild');
const crypto = require('crypto');

module.exports = {
  process(source, filename) {
    const out = esbuild.transformSync(source, {
      loader: filename.endsWith('.ts') ? 'ts' : 'js',
      format: 'cjs',
      target: 'es2022',
      sourcemap: 'inline',
      sourcefile: filename,
    });
    return { code: out.code };
  },
  getCacheKey(source, filename) {
    return crypto.createHash('sha1').update(esbuild.version).update('\0').update(filename).update('\0').update(source).digest('hex');
  },
};
