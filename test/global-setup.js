/**
 * Jest global setup: transpile the sources and the test programs into the cache of the
 * require hook that spawned test CLIs use (test/gitops/ts-register.js), once, before the
 * workers start; on a fresh clone the suites that spawn several CLIs at once would otherwise
 * each transpile every module.
 */
'use strict';
const path = require('path');

module.exports = async () => {
  const root = path.join(__dirname, '..');
  require('./gitops/ts-register').warm([path.join(root, 'src'), path.join(root, 'test', 'gitops')]);
};
