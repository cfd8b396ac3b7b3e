/**
 * Minimal require hook: transpile TypeScript with esbuild on load (no type check), so test
 * processes can run `src/**.ts` and the fixture programs directly: `node -r ./ts-register.js`.
 * Transpiled output is cached by content hash in $CDK8S_GITOPS_TS_CACHE, else in
 * os.tmpdir()/cdk8s-gitops-ts-cache.
 */
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
const esbuild = require('esbuild');

const cacheDir = process.env.CDK8S_GITOPS_TS_CACHE || path.join(os.tmpdir(), 'cdk8s-gitops-ts-cache');
fs.mkdirSync(cacheDir, { recursive: true });

/** The JavaScript of a TypeScript file: from the cache, or transpiled and cached. */
function transpiled(filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const key = crypto.createHash('sha1').update(esbuild.version).update('\0').update(filename).update('\0').update(source).digest('hex');
  const cached = path.join(cacheDir, `${key}.js`);
  try {
    return fs.readFileSync(cached, 'utf8');
  } catch {
    const code = esbuild.transformSync(source, {
      loader: 'ts',
      format: 'cjs',
      target: 'es2022',
      sourcemap: 'inline',
      sourcefile: filename,
    }).code;
    const tmp = `${cached}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, code);
    fs.renameSync(tmp, cached);
    return code;
  }
}

require.extensions['.ts'] = function (module, filename) {
  module._compile(transpiled(filename), filename);
};

/**
 * Fill the cache with every `.ts` file under `dirs` (jest's global setup does, once): test
 * processes spawned side by side then find their modules transpiled instead of each
 * transpiling all of them (0.7 s instead of 0.27 s per process on a cold cache).
 */
function warm(dirs) {
  let n = 0;
  const walk = dir => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') && !e.name.endsWith('.test.ts')) {
        transpiled(p);
        n++;
      }
    }
  };
  for (const d of dirs) walk(d);
  return n;
}

module.exports = { warm };
