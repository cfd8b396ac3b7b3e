/** Jest transform: TypeScript to CommonJS with esbuild (no type-check), inline source maps. */
'use strict';
const crypto = require('crypto');
const esbuild = require('esbuild');

module.exports = {
  process(source, filename) {
    const { code } = esbuild.transformSync(source, { loader: 'ts', format: 'cjs', target: 'es2022', sourcemap: 'inline', sourcefile: filename });
    return { code };
  },
  getCacheKey(source, filename) {
    return crypto.createHash('sha256').update(`${esbuild.version}\0${filename}\0${source}`).digest('hex');
  },
};
