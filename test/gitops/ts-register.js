/**
 * Minimal require hook: transpile TypeScript with esbuild on load (no type check), so test
 * processes can run `src/**.ts` and the fixture programs directly: `node -r ./ts-register.js`.
 * Transpiled output is cached in os.tmpdir() by content hash.
 */
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
const esbuild = require('esbuild');

const cacheDir = path.join(os.tmpdir(), 'cdk8s-gitops-ts-cache');
fs.mkdirSync(cacheDir, { recursive: true });

require.extensions['.ts'] = function (module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const key = crypto.createHash('sha1').update(esbuild.version).update('\0').update(filename).update('\0').update(source).digest('hex');
  const cached = path.join(cacheDir, `${key}.js`);
  let code;
  try {
    code = fs.readFileSync(cached, 'utf8');
  } catch {
    code = esbuild.transformSync(source, {
      loader: 'ts',
      format: 'cjs',
      target: 'es2022',
      sourcemap: 'inline',
      sourcefile: filename,
    }).code;
    const tmp = `${cached}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, code);
    fs.renameSync(tmp, cached);
  }
  module._compile(code, filename);
};
