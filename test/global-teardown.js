/** Jest global teardown: remove the temporary folder of this run (see test/global-setup.js). */
'use strict';
const fs = require('fs');

module.exports = async () => {
  const dir = process.env.CDK8S_GITOPS_TEST_TMP;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
};
